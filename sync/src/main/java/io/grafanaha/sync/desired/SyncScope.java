package io.grafanaha.sync.desired;

import java.util.Locale;

/**
 * {@code sync.scope}: what of an instance the repository path stands for.
 *
 * <p>{@link #FOLDER} (the default): one root folder titled {@code sync.folder}; everything outside it is per
 * instance and never touched. {@link #INSTANCE}: the whole instance, as Grafana Git Sync's {@code instance} target:
 * files at the top of {@code sync.path} are dashboards in "General" (folder uid {@code ""}), directories are
 * top-level folders, and every folder and dashboard of the instance is managed (so one not in Git is deleted, under
 * the same deletion guard).
 */
public enum SyncScope {
    FOLDER,
    INSTANCE;

    /** The configuration spelling: {@code folder} or {@code instance}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code folder} or {@code instance} (any case). */
    public static SyncScope parse(String value) {
        for (SyncScope s : values()) {
            if (s.key().equalsIgnoreCase(value.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("sync.scope must be folder or instance, got '" + value + "'");
    }
}
