package io.grafanaha.sync.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The form in which dashboards are compared: the per-instance fields {@code id} and {@code version} removed and
 * object keys sorted, so two Grafanas holding the same dashboard compare equal and re-serialising a file
 * differently does not count as a change. Array order is kept: in a dashboard it carries meaning.
 */
public final class CanonicalJson {
    /** Top-level dashboard fields that each Grafana assigns itself; never compared, never written to Git. */
    public static final Set<String> INSTANCE_FIELDS = Set.of("id", "version");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CanonicalJson() {}

    /** A deep copy of {@code dashboard} without {@link #INSTANCE_FIELDS} and with keys sorted at every level. */
    public static ObjectNode normalise(JsonNode dashboard) {
        if (!(dashboard instanceof ObjectNode object)) {
            throw new IllegalArgumentException("a dashboard is a JSON object, got " + dashboard.getNodeType());
        }
        ObjectNode sorted = (ObjectNode) sort(object);
        INSTANCE_FIELDS.forEach(sorted::remove);
        return sorted;
    }

    /** The compact serialisation of {@link #normalise}: equal strings mean equal dashboards. */
    public static String canonical(JsonNode dashboard) {
        try {
            return MAPPER.writeValueAsString(normalise(dashboard));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    /** Whether two dashboards are the same once normalised. */
    public static boolean same(JsonNode a, JsonNode b) {
        return normalise(a).equals(normalise(b));
    }

    private static JsonNode sort(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (String name : names) {
                out.set(name, sort(object.get(name)));
            }
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(array.size());
            array.forEach(e -> out.add(sort(e)));
            return out;
        }
        return node.deepCopy();
    }
}
