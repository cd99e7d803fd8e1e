package io.grafanaha.sync.alerting;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus durations as the alerting file format writes them ({@code 1m}, {@code 1h30m}, {@code 90s}). */
final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");

    private Durations() {
    }

    /** Whole seconds, or -1 when the text is not a duration. */
    static long seconds(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            return -1;
        }
        if (t.chars().allMatch(Character::isDigit)) {
            return Long.parseLong(t);
        }
        Matcher m = PART.matcher(t);
        long total = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return -1;
            }
            long n = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "ms" -> n / 1000;
                case "s" -> n;
                case "m" -> n * 60;
                case "h" -> n * 3600;
                case "d" -> n * 86400;
                case "w" -> n * 7 * 86400;
                default -> n * 365 * 86400;
            };
            end = m.end();
        }
        return end == t.length() ? total : -1;
    }
}
