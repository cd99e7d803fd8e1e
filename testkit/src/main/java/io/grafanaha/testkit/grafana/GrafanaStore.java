package io.grafanaha.testkit.grafana;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The per-instance "database": dashboards and folders share one uid namespace and one id sequence,
 * as they share Grafana's {@code dashboard} table. Not thread-safe by itself: every caller holds the
 * store's monitor for a whole request, which keeps multi-step algorithms such as the dashboard save
 * atomic without fine-grained locking (the emulator is not the hot path).
 */
final class GrafanaStore {
    private static final String UID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final Map<String, StoredDashboard> dashboards = new LinkedHashMap<>();
    private final Map<String, StoredFolder> folders = new LinkedHashMap<>();
    private final Map<String, List<DashboardVersion>> versions = new LinkedHashMap<>();
    /** Library elements have a table, ids and uids of their own. */
    private final Map<String, StoredLibraryElement> libraryElements = new LinkedHashMap<>();
    private long nextLibraryElementId = 1;
    /** dashboard uid → the library panels it uses, indexed when saved (a dashboard's JSON is costly to walk). */
    private final Map<String, Set<String>> libraryUses = new HashMap<>();
    private final SecureRandom random = new SecureRandom();
    private long nextId = 1;
    private long nextVersionId = 1;

    long nextId() {
        return nextId++;
    }

    long nextVersionId() {
        return nextVersionId++;
    }

    /** Like Grafana's short uids of recent versions: 14 chars, lower-case, starting with a letter. */
    String newUid() {
        while (true) {
            StringBuilder uid = new StringBuilder().append((char) ('a' + random.nextInt(6)));
            for (int i = 0; i < 13; i++) {
                uid.append(UID_ALPHABET.charAt(random.nextInt(UID_ALPHABET.length())));
            }
            if (!uidTaken(uid.toString())) {
                return uid.toString();
            }
        }
    }

    boolean uidTaken(String uid) {
        return dashboards.containsKey(uid) || folders.containsKey(uid);
    }

    Optional<StoredDashboard> dashboard(String uid) {
        return Optional.ofNullable(dashboards.get(uid));
    }

    Optional<StoredFolder> folder(String uid) {
        return Optional.ofNullable(folders.get(uid));
    }

    Optional<StoredDashboard> dashboardById(long id) {
        return dashboards.values().stream().filter(d -> d.id() == id).findFirst();
    }

    Optional<StoredFolder> folderById(long id) {
        return folders.values().stream().filter(f -> f.id() == id).findFirst();
    }

    List<StoredDashboard> dashboards() {
        return List.copyOf(dashboards.values());
    }

    List<StoredFolder> folders() {
        return List.copyOf(folders.values());
    }

    /** Stores a dashboard; when its uid changed (update addressed by id), history follows it. */
    void putDashboard(String previousUid, StoredDashboard dashboard) {
        if (previousUid != null && !previousUid.equals(dashboard.uid())) {
            dashboards.remove(previousUid);
            List<DashboardVersion> history = versions.remove(previousUid);
            if (history != null) {
                versions.put(dashboard.uid(), history);
            }
        }
        dashboards.put(dashboard.uid(), dashboard);
        libraryUses.remove(previousUid);
        libraryUses.put(dashboard.uid(), Set.copyOf(LibraryElementApi.libraryPanelUids(dashboard.json())));
    }

    /** How many dashboards use library panel {@code uid} (Grafana's connections, kept at every save). */
    int connections(String uid) {
        return (int) libraryUses.values().stream().filter(uses -> uses.contains(uid)).count();
    }

    void addVersion(DashboardVersion row) {
        versions.computeIfAbsent(row.uid(), k -> new ArrayList<>()).add(row);
    }

    /** Oldest first. */
    List<DashboardVersion> versions(String uid) {
        return List.copyOf(versions.getOrDefault(uid, List.of()));
    }

    void removeDashboard(String uid) {
        dashboards.remove(uid);
        libraryUses.remove(uid);
        versions.remove(uid);
    }

    void putFolder(StoredFolder folder) {
        folders.put(folder.uid(), folder);
    }

    void removeFolder(String uid) {
        folders.remove(uid);
    }

    /** Root → direct parent of the given folder; empty at the root. */
    List<StoredFolder> ancestors(StoredFolder folder) {
        List<StoredFolder> chain = new ArrayList<>();
        String parent = folder.parentUid();
        while (!parent.isEmpty() && folders.containsKey(parent) && chain.size() < 64) {
            StoredFolder p = folders.get(parent);
            chain.add(0, p);
            parent = p.parentUid();
        }
        return chain;
    }

    long nextLibraryElementId() {
        return nextLibraryElementId++;
    }

    Optional<StoredLibraryElement> libraryElement(String uid) {
        return Optional.ofNullable(libraryElements.get(uid));
    }

    List<StoredLibraryElement> libraryElements() {
        return List.copyOf(libraryElements.values());
    }

    void putLibraryElement(StoredLibraryElement element) {
        libraryElements.put(element.uid(), element);
    }

    void removeLibraryElement(String uid) {
        libraryElements.remove(uid);
    }
}
