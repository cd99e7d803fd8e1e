package io.grafanaha.gateway.config;

/** One thing wrong with a configuration file: the key at fault, its line (0 when unknown), and why. */
public record ConfigProblem(String key, int line, String message) {
    @Override
    public String toString() {
        String where = key.isEmpty() ? "(top level)" : key;
        return line > 0 ? where + " (line " + line + "): " + message : where + ": " + message;
    }
}
