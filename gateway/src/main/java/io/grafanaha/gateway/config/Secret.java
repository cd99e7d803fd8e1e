package io.grafanaha.gateway.config;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;

/**
 * A token or password from the configuration. Its {@link #toString()} never shows the value, so a
 * secret that reaches a log line, an exception or a printed configuration stays hidden.
 */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = value == null ? "" : value;
    }

    /** The value itself, for the one place that sends it (an Authorization header, an HMAC key). */
    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    /** Compares in constant time, so a caller cannot learn a token byte by byte from response times. */
    public boolean matches(String candidate) {
        if (candidate == null || value.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return value.isEmpty() ? "<unset>" : "<redacted>";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
