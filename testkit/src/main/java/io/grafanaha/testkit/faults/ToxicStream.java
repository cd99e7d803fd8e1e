package io.grafanaha.testkit.faults;

/** Which way a toxic acts: on bytes from the client to the upstream, or from the upstream back to the client. */
public enum ToxicStream {
    UPSTREAM, DOWNSTREAM;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    static ToxicStream fromWire(String name) {
        for (ToxicStream stream : values()) {
            if (stream.wireName().equals(name)) {
                return stream;
            }
        }
        throw new ApiException(400, "stream must be upstream or downstream, not " + name);
    }
}
