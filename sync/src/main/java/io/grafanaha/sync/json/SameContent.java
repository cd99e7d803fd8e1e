package io.grafanaha.sync.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.json.CanonicalJson;
import java.util.Iterator;
import java.util.Map;

/**
 * Whether two dashboards have the same content, exactly as {@link CanonicalJson#same} decides (instance fields
 * ignored, key order ignored, array order kept), but without copying or sorting either tree: a pass compares every
 * managed dashboard, and at a thousand dashboards the copies cost more than the reads. The same tree compares equal
 * at once, which is the common case when the client knows a dashboard has not changed since it was written.
 */
public final class SameContent {
    private SameContent() {}

    public static boolean same(JsonNode a, JsonNode b) {
        if (a == b) {
            return true;
        }
        if (!(a instanceof ObjectNode x) || !(b instanceof ObjectNode y)) {
            return CanonicalJson.same(a, b);
        }
        if (contentFields(x) != contentFields(y)) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = x.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (CanonicalJson.INSTANCE_FIELDS.contains(field.getKey())) {
                continue;
            }
            // JsonNode.equals compares objects as maps (key order ignored) and arrays in order, like the canonical form.
            if (!field.getValue().equals(y.get(field.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static int contentFields(ObjectNode o) {
        int n = o.size();
        for (String f : CanonicalJson.INSTANCE_FIELDS) {
            if (o.has(f)) {
                n--;
            }
        }
        return n;
    }
}
