package io.grafanaha.sync.grafana;

import io.grafanaha.sync.git.CommitInfo;

/**
 * The {@code message} stamped into a dashboard's version history by a sync save, so Grafana's history shows which
 * commit wrote each version: {@code git-sync 1a2b3c4: <commit subject>}, at most Grafana's 500 characters.
 */
public final class SaveMessage {
    /** Grafana refuses longer messages ({@code message too long, max 500 characters}). */
    public static final int MAX_LENGTH = 500;
    /** How every message of the sync starts; versions with it are never written back. */
    public static final String PREFIX = "git-sync ";

    private SaveMessage() {}

    public static String of(CommitInfo commit) {
        String message = PREFIX + commit.shortName() + ": " + commit.subject();
        return message.length() <= MAX_LENGTH ? message : message.substring(0, MAX_LENGTH - 1) + "…";
    }
}
