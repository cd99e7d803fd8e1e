package io.grafanaha.gateway.capture;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which content each backend's {@code metadata.resourceVersion} of each dashboard stood for, learnt from the resource
 * API answers the gateway proxied and read ({@link DashboardResources.Answer}). A resource version is opaque and per
 * instance (Grafana's legacy storage derives it from the row's id and version), so "resourceVersion 4000003" means
 * something only together with the backend that gave it; this is where a save that lands on another backend finds out
 * what its user started from ({@link ResourceSaveTranslation}), as {@link DashboardLedger} does for numeric versions.
 * {@link LibraryPanelTranslation} keeps one of its own for library panels' versions (as text), in the same way.
 *
 * <p>In memory only and bounded: the newest {@value #KEPT} resource versions per backend and dashboard. Safe from any
 * thread.
 */
final class ResourceVersionLedger {
    static final int KEPT = 16;

    private record Key(String backend, String uid) {}

    private final Map<Key, LinkedHashMap<String, String>> seen = new ConcurrentHashMap<>();

    void learn(String backend, String uid, String resourceVersion, String fingerprint) {
        LinkedHashMap<String, String> versions = seen.computeIfAbsent(new Key(backend, uid), k -> new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > KEPT;
            }
        });
        synchronized (versions) {
            versions.remove(resourceVersion);
            versions.put(resourceVersion, fingerprint);
        }
    }

    /** The contents {@code resourceVersion} of {@code uid} stood for on the backends other than {@code except}. */
    Set<String> contents(String uid, String resourceVersion, String except) {
        Set<String> found = new HashSet<>();
        seen.forEach((key, versions) -> {
            if (key.uid().equals(uid) && !key.backend().equals(except)) {
                synchronized (versions) {
                    String content = versions.get(resourceVersion);
                    if (content != null) {
                        found.add(content);
                    }
                }
            }
        });
        return found;
    }
}
