package io.grafanaha.gateway.config;

import io.grafanaha.sync.plan.DeleteLimit;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of the value syntaxes the configuration accepts. Each returns empty when the text does not fit. */
final class Values {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private Values() {}

    /** {@code 500ms}, {@code 2s}, {@code 1m30s}, {@code 1h}, {@code 1d}; a bare {@code 0} is zero. */
    static Optional<Duration> duration(String text) {
        String t = text.trim();
        if (t.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        Matcher m = DURATION_PART.matcher(t);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return Optional.empty();
            }
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            end = m.end();
        }
        return end == t.length() && end > 0 ? Optional.of(total) : Optional.empty();
    }

    /** A share between 0 and 1, both included ({@code 0.1}: one in ten). */
    static Optional<Double> share(String text) {
        try {
            double v = Double.parseDouble(text.trim());
            return v >= 0 && v <= 1 ? Optional.of(v) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code 10%} (a share) or {@code 25} (a count). */
    static Optional<DeleteLimit> deleteLimit(String text) {
        String t = text.trim();
        boolean percent = t.endsWith("%");
        String number = percent ? t.substring(0, t.length() - 1).trim() : t;
        try {
            double v = Double.parseDouble(number);
            if (v < 0 || Double.isNaN(v) || Double.isInfinite(v) || (percent && v > 100) || number.startsWith("+")) {
                return Optional.empty();
            }
            return Optional.of(new DeleteLimit(v, percent));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code host:port}, {@code [v6]:port} or {@code :port} (all interfaces). */
    static Optional<HostPort> hostPort(String text) {
        String t = text.trim();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf("]:");
            if (close < 0) {
                return Optional.empty();
            }
            host = t.substring(1, close);
            port = t.substring(close + 2);
        } else {
            int colon = t.lastIndexOf(':');
            if (colon < 0 || t.indexOf(':') != colon) {
                return Optional.empty();
            }
            host = colon == 0 ? "0.0.0.0" : t.substring(0, colon);
            port = t.substring(colon + 1);
        }
        try {
            int p = Integer.parseInt(port);
            return p >= 0 && p <= 65535 && !host.isBlank() && !port.startsWith("+") ? Optional.of(new HostPort(host, p)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The result of substituting {@code ${VAR}} and {@code ${VAR:-default}}; {@code missing} names an unset variable. */
    record Interpolated(String text, String missing) {}

    static Interpolated interpolate(String text, Map<String, String> env) {
        Matcher m = ENV.matcher(text);
        StringBuilder out = new StringBuilder();
        String missing = null;
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null || (value.isEmpty() && m.group(2) != null)) {
                value = m.group(2);
            }
            if (value == null) {
                missing = missing == null ? m.group(1) : missing;
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return new Interpolated(out.toString(), missing);
    }
}
