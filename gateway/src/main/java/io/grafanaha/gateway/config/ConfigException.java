package io.grafanaha.gateway.config;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown with every problem found in a configuration, not only the first. */
public final class ConfigException extends Exception {
    private final List<ConfigProblem> problems;

    public ConfigException(String source, List<ConfigProblem> problems) {
        super(source + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "\n"
                + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
