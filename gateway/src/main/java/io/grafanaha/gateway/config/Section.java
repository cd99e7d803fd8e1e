package io.grafanaha.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One mapping of the document being bound to records. Every getter returns a usable value even when
 * the text is wrong (the default), after recording the problem, so one pass reports every error.
 */
final class Section {
    private final String path;
    private final YamlNode.Mapping node;
    private final Map<String, String> env;
    private final List<ConfigProblem> problems;

    Section(String path, YamlNode.Mapping node, Map<String, String> env, List<ConfigProblem> problems) {
        this.path = path;
        this.node = node;
        this.env = env;
        this.problems = problems;
    }

    String path() {
        return path;
    }

    String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    boolean has(String name) {
        YamlNode.Entry e = node.entries().get(name);
        return e != null && !(e.value() instanceof YamlNode.Scalar s && s.nul());
    }

    int line(String name) {
        YamlNode.Entry e = node.entries().get(name);
        return e == null ? node.line() : e.value().line();
    }

    void problem(String name, String message) {
        problems.add(new ConfigProblem(name.isEmpty() ? path : key(name), name.isEmpty() ? node.line() : line(name), message));
    }

    /** Records a problem for each key not in {@code known}: a typo must not silently fall back to a default. */
    void rejectUnknown(Set<String> known) {
        for (Map.Entry<String, YamlNode.Entry> e : node.entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                problems.add(new ConfigProblem(key(e.getKey()), e.getValue().keyLine(),
                        "unknown key (expected one of: " + String.join(", ", known.stream().sorted().toList()) + ")"));
            }
        }
    }

    /** The scalar's text after environment substitution; empty when absent or null. */
    Optional<String> text(String name) {
        YamlNode.Entry e = node.entries().get(name);
        if (e == null) {
            return Optional.empty();
        }
        if (!(e.value() instanceof YamlNode.Scalar s)) {
            problem(name, "expected a single value, not a " + (e.value() instanceof YamlNode.Sequence ? "list" : "mapping"));
            return Optional.empty();
        }
        if (s.nul()) {
            return Optional.empty();
        }
        Values.Interpolated i = Values.interpolate(s.text(), env);
        if (i.missing() != null) {
            problem(name, "environment variable " + i.missing() + " is not set (write ${" + i.missing() + ":-default} for a default)");
        }
        return Optional.of(i.text());
    }

    String required(String name) {
        Optional<String> t = text(name);
        if (t.isEmpty() && !node.entries().containsKey(name)) {
            problem(name, "required");
        } else if (t.isPresent() && t.get().isBlank()) {
            problem(name, "must not be empty");
        } else if (t.isEmpty()) {
            problem(name, "required");
        }
        return t.orElse("");
    }

    String string(String name, String fallback) {
        return text(name).orElse(fallback);
    }

    Secret secret(String name) {
        return new Secret(text(name).orElse(""));
    }

    <T> T parsed(String name, T fallback, Function<String, Optional<T>> parser, String expected) {
        Optional<String> t = text(name);
        if (t.isEmpty()) {
            return fallback;
        }
        Optional<T> v = parser.apply(t.get());
        if (v.isEmpty()) {
            problem(name, "\"" + t.get() + "\" is not " + expected);
            return fallback;
        }
        return v.get();
    }

    Duration duration(String name, Duration fallback) {
        Duration d = parsed(name, fallback, Values::duration, "a duration (write e.g. 500ms, 2s, 1m)");
        if (d.isNegative()) {
            problem(name, "must not be negative");
            return fallback;
        }
        return d;
    }

    /** A duration that must be above zero: a zero interval or timeout would spin or never wait. */
    Duration positiveDuration(String name, Duration fallback) {
        Duration d = duration(name, fallback);
        if (d.isZero()) {
            problem(name, "must be greater than 0");
            return fallback;
        }
        return d;
    }

    int integer(String name, int fallback, int min, int max) {
        int v = parsed(name, fallback, t -> {
            try {
                return Optional.of(Integer.parseInt(t.trim()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }, "a whole number");
        if (v < min || v > max) {
            problem(name, v + " is out of range (" + min + " to " + max + ")");
            return fallback;
        }
        return v;
    }

    boolean bool(String name, boolean fallback) {
        return parsed(name, fallback, t -> switch (t.trim()) {
            case "true" -> Optional.of(true);
            case "false" -> Optional.of(false);
            default -> Optional.empty();
        }, "true or false");
    }

    <E extends Enum<E>> E choice(String name, E fallback, Map<String, E> words) {
        return parsed(name, fallback, t -> Optional.ofNullable(words.get(t.trim())), "one of " + String.join(" | ", words.keySet()));
    }

    /** The keys of this mapping, in file order (for sections whose keys are the user's, such as a role mapping). */
    List<String> keys() {
        return List.copyOf(node.entries().keySet());
    }

    /** A nested mapping; absent gives an empty section so its defaults apply. */
    Section section(String name) {
        YamlNode.Entry e = node.entries().get(name);
        if (e == null || (e.value() instanceof YamlNode.Scalar s && s.nul())) {
            return new Section(key(name), new YamlNode.Mapping(line(name), Map.of()), env, problems);
        }
        if (e.value() instanceof YamlNode.Mapping m) {
            return new Section(key(name), m, env, problems);
        }
        problem(name, "expected a mapping of keys");
        return new Section(key(name), new YamlNode.Mapping(e.value().line(), Map.of()), env, problems);
    }

    /**
     * A list of single values ({@code [a, b]} or one item per line), or one value with the items separated by
     * commas (so that one environment variable can hold them); empty when absent.
     */
    List<String> scalars(String name) {
        YamlNode.Entry e = node.entries().get(name);
        if (e == null || (e.value() instanceof YamlNode.Scalar s && s.nul())) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (e.value() instanceof YamlNode.Sequence seq) {
            for (YamlNode item : seq.items()) {
                if (item instanceof YamlNode.Scalar s && !s.nul()) {
                    Values.Interpolated i = Values.interpolate(s.text(), env);
                    if (i.missing() != null) {
                        problems.add(new ConfigProblem(key(name), item.line(), "environment variable " + i.missing()
                                + " is not set (write ${" + i.missing() + ":-default} for a default)"));
                    }
                    out.add(i.text());
                } else {
                    problems.add(new ConfigProblem(key(name), item.line(), "expected a list of single values"));
                }
            }
        } else {
            text(name).ifPresent(t -> out.addAll(List.of(t.split(","))));
        }
        return out.stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    /** The mappings of a list, each with its indexed path ({@code backends[1]}). */
    List<Section> sections(String name) {
        YamlNode.Entry e = node.entries().get(name);
        List<Section> out = new ArrayList<>();
        if (e == null || (e.value() instanceof YamlNode.Scalar s && s.nul())) {
            return out;
        }
        if (!(e.value() instanceof YamlNode.Sequence seq)) {
            problem(name, "expected a list");
            return out;
        }
        for (int i = 0; i < seq.items().size(); i++) {
            YamlNode item = seq.items().get(i);
            String itemPath = key(name) + "[" + i + "]";
            if (item instanceof YamlNode.Mapping m) {
                out.add(new Section(itemPath, m, env, problems));
            } else {
                problems.add(new ConfigProblem(itemPath, item.line(), "expected a mapping of keys"));
            }
        }
        return out;
    }
}
