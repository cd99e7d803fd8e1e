package io.grafanaha.gateway.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree that remembers where each value stood, so a validation error can name
 * the line. Jackson's own tree model forgets locations, hence this small one.
 */
sealed interface YamlNode {
    int line();

    /** A key's line is the line of its value's first token, which is where a reader looks. */
    record Mapping(int line, Map<String, Entry> entries) implements YamlNode {
        public Mapping {
            entries = new LinkedHashMap<>(entries);
        }
    }

    record Entry(int keyLine, YamlNode value) {}

    record Sequence(int line, List<YamlNode> items) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
        }
    }

    /** Every scalar is kept as text; {@code nul} marks YAML's null (`~`, `null`, or nothing). */
    record Scalar(int line, String text, boolean nul) implements YamlNode {}
}
