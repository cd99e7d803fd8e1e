package io.grafanaha.health.check;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana build a backend reports in {@code /api/health}: {@code version} (e.g. {@code 12.1.0}) and
 * {@code commit} (the source commit, empty in some builds). Two instances with different builds serve
 * different frontend code chunks, which is why a browser must not hop between them during an upgrade.
 */
public record GrafanaBuild(String version, String commit) {
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"\\\\]{1,64})\"");
    private static final Pattern COMMIT = Pattern.compile("\"commit\"\\s*:\\s*\"([^\"\\\\]{0,64})\"");

    public GrafanaBuild {
        version = version == null ? "" : version;
        commit = commit == null ? "" : commit;
    }

    /** The build named in an {@code /api/health} body; empty when it names no version (not Grafana's answer). */
    public static Optional<GrafanaBuild> parse(String body) {
        if (body == null) {
            return Optional.empty();
        }
        Matcher version = VERSION.matcher(body);
        if (!version.find()) {
            return Optional.empty();
        }
        Matcher commit = COMMIT.matcher(body);
        return Optional.of(new GrafanaBuild(version.group(1), commit.find() ? commit.group(1) : ""));
    }

    /** A short name safe in a cookie value and a log line: {@code 12.1.0} or {@code 12.1.0_abc123def456}. */
    public String token() {
        String raw = commit.isEmpty() ? version : version + "_" + commit.substring(0, Math.min(12, commit.length()));
        StringBuilder b = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '-' || c == '_' ? c : '-');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return commit.isEmpty() ? version : version + " (" + commit + ")";
    }
}
