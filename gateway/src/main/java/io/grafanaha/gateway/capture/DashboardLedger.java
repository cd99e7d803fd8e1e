package io.grafanaha.gateway.capture;

import com.fasterxml.jackson.databind.JsonNode;
import io.grafanaha.sync.json.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the gateway has seen of each backend's copy of each dashboard: its numeric id there, and which of its
 * version numbers held which content (a fingerprint of the dashboard without its per-instance fields), learnt
 * from the dashboard loads and saves it proxied and from its own reads. Every Grafana numbers dashboards and counts
 * versions on its own, so "version 5 of id 6" only means something together with the backend it came from; this is
 * where a save that lands on another backend finds out what its user started from ({@link SaveTranslation}). The
 * answers of translated saves are kept too, as the browser holds them (its id, the new version): the pair its next
 * save will send.
 *
 * <p>In memory only and bounded per dashboard: the newest {@value #VERSIONS_KEPT} versions seen per backend. Safe
 * to call from any thread (event loops learn, the sync's read threads ask).
 */
public final class DashboardLedger {
    static final int VERSIONS_KEPT = 16;

    private record Key(String backend, String uid) {}

    /** One backend's copy of one dashboard; guarded by its own monitor. */
    private static final class Copy {
        long id;
        final LinkedHashMap<Integer, String> contents = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
                return size() > VERSIONS_KEPT;
            }
        };
    }

    private final Map<Key, Copy> copies = new ConcurrentHashMap<>();

    /** A translated save's answer as the browser keeps it: the id it sent (another backend's) with the new version. */
    private record Answered(String uid, long clientId, int version) {}

    static final int ANSWERS_KEPT = 4096;

    /** Guarded by itself; the newest {@value #ANSWERS_KEPT} translated saves. */
    private final LinkedHashMap<Answered, String> answered = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Answered, String> eldest) {
            return size() > ANSWERS_KEPT;
        }
    };

    /**
     * Records that {@code backend} holds (or held) {@code dashboard} as Grafana returns it, {@code id}, {@code uid}
     * and {@code version} included; a dashboard without them is ignored.
     */
    public void learn(String backend, JsonNode dashboard) {
        if (dashboard == null || !dashboard.isObject() || !dashboard.path("uid").isTextual()
                || !dashboard.path("id").isIntegralNumber() || !dashboard.path("version").isIntegralNumber()) {
            return;
        }
        learn(backend, dashboard.get("uid").asText(), dashboard.get("id").asLong(), dashboard.get("version").asInt(),
                fingerprint(dashboard));
    }

    /** Records that version {@code version} of {@code uid} on {@code backend}, id {@code id} there, has {@code fingerprint}. */
    public void learn(String backend, String uid, long id, int version, String fingerprint) {
        Copy copy = copies.computeIfAbsent(new Key(backend, uid), k -> new Copy());
        synchronized (copy) {
            if (copy.id != id) {
                // Deleted and created again there: the old numbers belong to another dashboard.
                copy.contents.clear();
                copy.id = id;
            }
            copy.contents.remove(version);
            copy.contents.put(version, fingerprint);
        }
    }

    /**
     * Records the answer to a save that was translated: the browser keeps the id it sent ({@code clientId}, another
     * backend's) and takes the version from the answer ({@code version}, the serving backend's), so its next save
     * names that pair, which no backend holds. It stands for {@code fingerprint}, what that save stored.
     */
    public void learnAnswered(String uid, long clientId, int version, String fingerprint) {
        synchronized (answered) {
            answered.put(new Answered(uid, clientId, version), fingerprint);
        }
    }

    /**
     * The contents version {@code version} of {@code uid} had on the backends other than {@code except} where its id
     * is {@code id} (any id when empty): what a user who read that version may have started from. Usually one; more
     * than one means the gateway cannot tell which backend the user read it from.
     */
    public Set<String> contents(String uid, int version, OptionalLong id, String except) {
        Set<String> found = new HashSet<>();
        copies.forEach((key, copy) -> {
            if (key.uid().equals(uid) && !key.backend().equals(except)) {
                synchronized (copy) {
                    String content = copy.contents.get(version);
                    if (content != null && (id.isEmpty() || copy.id == id.getAsLong())) {
                        found.add(content);
                    }
                }
            }
        });
        if (id.isPresent()) {
            synchronized (answered) {
                String content = answered.get(new Answered(uid, id.getAsLong(), version));
                if (content != null) {
                    found.add(content);
                }
            }
        }
        return found;
    }

    /** The content version {@code version} of {@code uid} had on {@code backend} while its id there was {@code id}. */
    public Optional<String> content(String backend, String uid, int version, long id) {
        Copy copy = copies.get(new Key(backend, uid));
        if (copy == null) {
            return Optional.empty();
        }
        synchronized (copy) {
            return copy.id == id ? Optional.ofNullable(copy.contents.get(version)) : Optional.empty();
        }
    }

    /** The content of {@code dashboard} as a short string: equal for two Grafanas holding the same dashboard. */
    public static String fingerprint(JsonNode dashboard) {
        Objects.requireNonNull(dashboard, "dashboard");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(CanonicalJson.canonical(dashboard).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
