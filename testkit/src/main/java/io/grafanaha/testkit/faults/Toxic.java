package io.grafanaha.testkit.faults;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One toxic installed on a proxy. {@code id} changes only when a toxic is created, so an update of its
 * attributes keeps the per-connection state (bytes already let through, timers) that Toxiproxy also keeps.
 */
public record Toxic(long id, String name, ToxicType type, ToxicStream stream, double toxicity,
        Map<String, Long> attributes) {

    public Toxic {
        Map<String, Long> complete = new LinkedHashMap<>();
        for (String key : type.attributes()) {
            complete.put(key, attributes.getOrDefault(key, 0L));
        }
        attributes = Map.copyOf(complete);
    }

    public long attribute(String key) {
        return attributes.getOrDefault(key, 0L);
    }

    Toxic withAttributes(Map<String, Long> changes) {
        Map<String, Long> merged = new LinkedHashMap<>(attributes);
        merged.putAll(changes);
        return new Toxic(id, name, type, stream, toxicity, merged);
    }

    Toxic withToxicity(double newToxicity) {
        return new Toxic(id, name, type, stream, newToxicity, attributes);
    }

    Toxic withStream(ToxicStream newStream) {
        return new Toxic(id, name, type, newStream, toxicity, attributes);
    }
}
