package io.grafanaha.gateway.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads YAML into {@link YamlNode}s with line numbers; duplicate keys are problems, not silent overrides. */
final class YamlReader {
    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    private final List<ConfigProblem> problems;

    YamlReader(List<ConfigProblem> problems) {
        this.problems = problems;
    }

    /** The document's root, or null (with a problem recorded) when it is not YAML at all. */
    YamlNode read(String text) {
        try (JsonParser parser = FACTORY.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return new YamlNode.Mapping(1, Map.of());
            }
            return node(parser, "");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            problems.add(new ConfigProblem("", at == null ? 0 : at.getLineNr(), "not valid YAML: " + firstLines(e.getOriginalMessage())));
            return null;
        } catch (IOException e) {
            problems.add(new ConfigProblem("", 0, "cannot read: " + e.getMessage()));
            return null;
        }
    }

    /** SnakeYAML's messages repeat the input with carets; the reason lines are what a reader needs. */
    private static String firstLines(String message) {
        return message.lines()
                .map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("in 'reader'") && !l.equals("^"))
                .filter(l -> !l.matches("\\^+"))
                .reduce((a, b) -> a + "; " + b)
                .orElse(message);
    }

    private YamlNode node(JsonParser parser, String path) throws IOException {
        int line = parser.currentTokenLocation().getLineNr();
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    int keyLine = parser.currentTokenLocation().getLineNr();
                    parser.nextToken();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    YamlNode value = node(parser, childPath);
                    if (entries.containsKey(key)) {
                        problems.add(new ConfigProblem(childPath, keyLine, "duplicate key (first at line " + entries.get(key).keyLine() + ")"));
                    } else {
                        entries.put(key, new YamlNode.Entry(keyLine, value));
                    }
                }
                return new YamlNode.Mapping(line, entries);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(node(parser, path + "[" + items.size() + "]"));
                }
                return new YamlNode.Sequence(line, items);
            }
            case VALUE_NULL -> {
                return new YamlNode.Scalar(line, "", true);
            }
            default -> {
                return new YamlNode.Scalar(line, parser.getText(), false);
            }
        }
    }
}
