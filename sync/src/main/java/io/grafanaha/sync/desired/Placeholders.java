package io.grafanaha.sync.desired;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${VAR}} in secret-bearing values (contact point settings, data source secure fields), filled from the
 * environment so that secrets never live in Git. {@code $$} stands for a literal {@code $}.
 */
public final class Placeholders {
    private static final Pattern VAR = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private Placeholders() {
    }

    /** A copy of {@code node} with every string value filled; the names of unset variables are added to {@code missing}. */
    public static JsonNode fill(JsonNode node, Map<String, String> env, Set<String> missing) {
        if (node.isTextual()) {
            return TextNode.valueOf(fill(node.asText(), env, missing));
        }
        if (node instanceof ObjectNode o) {
            ObjectNode out = o.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), fill(e.getValue(), env, missing));
            }
            return out;
        }
        if (node instanceof ArrayNode a) {
            ArrayNode out = a.arrayNode();
            a.forEach(v -> out.add(fill(v, env, missing)));
            return out;
        }
        return node.deepCopy();
    }

    /** As {@link #fill(JsonNode, Map, Set)} for one string. */
    public static String fill(String text, Map<String, String> env, Set<String> missing) {
        Matcher m = VAR.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value;
            if (m.group(1) == null) {
                value = "$";
            } else {
                value = env.get(m.group(1));
                if (value == null) {
                    missing.add(m.group(1));
                    value = "";
                }
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Whether the tree holds any placeholder: its values are secrets the backend will not show back. */
    public static boolean present(JsonNode node) {
        Set<String> names = new TreeSet<>();
        fill(node, Map.of(), names);
        return !names.isEmpty();
    }

    /**
     * SHA-256 (hex) of {@code text}: lets a step tell whether what it filled in changed since it last wrote it to a
     * backend (which never shows secrets back) without keeping the secret itself.
     */
    public static String digest(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
