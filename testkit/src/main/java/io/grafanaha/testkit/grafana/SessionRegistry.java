package io.grafanaha.testkit.grafana;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Login sessions ({@code grafana_session} cookie value → login). Real Grafana keeps them in its
 * database, so HA nodes sharing a database accept each other's cookies (grafana-api.md §1.9, §4);
 * sharing one registry between emulators models exactly that, separate registries model separate DBs.
 */
public final class SessionRegistry {
    private final Map<String, String> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** Creates a session for a login and returns the cookie value. */
    public String open(String login) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        sessions.put(token, login);
        return token;
    }

    public Optional<String> login(String token) {
        return Optional.ofNullable(sessions.get(token));
    }

    /** Forgets every session, as a fresh database would. */
    public void clear() {
        sessions.clear();
    }
}
