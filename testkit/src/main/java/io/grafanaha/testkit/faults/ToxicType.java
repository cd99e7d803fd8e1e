package io.grafanaha.testkit.faults;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The Toxiproxy toxics this proxy implements, with the attribute names Toxiproxy's JSON uses. */
public enum ToxicType {
    LATENCY("latency", "latency", "jitter"),
    BANDWIDTH("bandwidth", "rate"),
    SLOW_CLOSE("slow_close", "delay"),
    TIMEOUT("timeout", "timeout"),
    RESET_PEER("reset_peer", "timeout"),
    SLICER("slicer", "average_size", "size_variation", "delay"),
    LIMIT_DATA("limit_data", "bytes");

    private final String wireName;
    private final List<String> attributes;

    ToxicType(String wireName, String... attributes) {
        this.wireName = wireName;
        this.attributes = List.of(attributes);
    }

    public String wireName() {
        return wireName;
    }

    /** Every attribute is always reported, because toxiproxy-java reads each one without a null check. */
    public List<String> attributes() {
        return attributes;
    }

    public static Optional<ToxicType> fromWire(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }
}
