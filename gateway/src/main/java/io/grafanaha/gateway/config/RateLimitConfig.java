package io.grafanaha.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code rate-limits}: token buckets per client address (the address the gateway believes, see
 * {@link TrustedProxies}). {@code login} limits Grafana's sign-in ({@code POST /login}); each of
 * {@code paths} limits requests whose path starts with its prefix; {@code maxAddresses} bounds how many
 * addresses are remembered at once, so a flood of addresses cannot grow memory without bound.
 * {@code maxConcurrentPerAddress} caps the requests one address may have in progress at once (0: no cap).
 */
public record RateLimitConfig(Optional<Rate> login, List<PathRule> paths, int maxAddresses, int maxConcurrentPerAddress) {
    public static final Rate DEFAULT_LOGIN = new Rate(10, Duration.ofMinutes(1));
    public static final int DEFAULT_MAX_ADDRESSES = 100_000;
    /** Sign-in limited to {@link #DEFAULT_LOGIN}, no path rules. */
    public static final RateLimitConfig DEFAULT = new RateLimitConfig(Optional.of(DEFAULT_LOGIN), List.of(), DEFAULT_MAX_ADDRESSES);
    /** Nothing limited. */
    public static final RateLimitConfig NONE = new RateLimitConfig(Optional.empty(), List.of(), DEFAULT_MAX_ADDRESSES);

    public RateLimitConfig {
        paths = List.copyOf(paths);
        if (maxConcurrentPerAddress < 0) {
            throw new IllegalArgumentException("maxConcurrentPerAddress must be 0 (off) or more: " + maxConcurrentPerAddress);
        }
    }

    /** Without a concurrent-request cap. */
    public RateLimitConfig(Optional<Rate> login, List<PathRule> paths, int maxAddresses) {
        this(login, paths, maxAddresses, 0);
    }

    /** The same limits with another {@code max-concurrent-per-address} (0: off). */
    public RateLimitConfig withMaxConcurrentPerAddress(int max) {
        return new RateLimitConfig(login, paths, maxAddresses, max);
    }

    /** Reads the {@code rate-limits} section; its problems go where the loader collects them. */
    static RateLimitConfig read(Section r) {
        r.rejectUnknown(Set.of("login", "paths", "max-addresses", "max-concurrent-per-address"));
        Optional<Rate> login = Optional.of(DEFAULT_LOGIN);
        Optional<String> loginText = r.text("login");
        if (loginText.isPresent()) {
            login = loginText.get().trim().equals("off") ? Optional.empty() : rate(r, "login", loginText.get());
        }
        List<PathRule> paths = new ArrayList<>();
        for (Section p : r.sections("paths")) {
            p.rejectUnknown(Set.of("prefix", "rate"));
            String prefix = p.required("prefix");
            if (!prefix.isEmpty() && !prefix.startsWith("/")) {
                p.problem("prefix", "\"" + prefix + "\" must start with /");
            }
            Optional<Rate> rate = rate(p, "rate", p.required("rate"));
            if (prefix.startsWith("/") && rate.isPresent()) {
                paths.add(new PathRule(prefix, rate.get()));
            }
        }
        int maxAddresses = r.integer("max-addresses", DEFAULT_MAX_ADDRESSES, 100, 10_000_000);
        int concurrent = 0;
        Optional<String> concurrentText = r.text("max-concurrent-per-address");
        if (concurrentText.isPresent() && !concurrentText.get().trim().equals("off")) {
            concurrent = r.integer("max-concurrent-per-address", 0, 1, 1_000_000);
        }
        return new RateLimitConfig(login, paths, maxAddresses, concurrent);
    }

    private static Optional<Rate> rate(Section s, String name, String text) {
        if (text.isEmpty()) {
            return Optional.empty(); // required() has already said so
        }
        Optional<Rate> rate = Rate.parse(text);
        if (rate.isEmpty()) {
            s.problem(name, "\"" + text + "\" is not a rate (write e.g. 10/min, 5/s or 100/h, at least 1)");
        }
        return rate;
    }

    /** {@code count} requests per {@code period}, refilled evenly; a client may spend all of them at once. */
    public record Rate(long count, Duration period) {
        /** {@code 10/min}, {@code 5/s}, {@code 100/h}; empty when {@code text} is not one. */
        static Optional<Rate> parse(String text) {
            int slash = text.indexOf('/');
            if (slash <= 0) {
                return Optional.empty();
            }
            long count;
            try {
                count = Long.parseLong(text.substring(0, slash).trim());
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            Duration period = switch (text.substring(slash + 1).trim()) {
                case "s", "sec", "second" -> Duration.ofSeconds(1);
                case "m", "min", "minute" -> Duration.ofMinutes(1);
                case "h", "hour" -> Duration.ofHours(1);
                default -> null;
            };
            if (period == null || count < 1 || count > 1_000_000) {
                return Optional.empty();
            }
            return Optional.of(new Rate(count, period));
        }

        @Override
        public String toString() {
            String unit = period.equals(Duration.ofSeconds(1)) ? "s" : period.equals(Duration.ofMinutes(1)) ? "min" : "h";
            return count + "/" + unit;
        }
    }

    /** Requests whose path starts with {@code prefix}, any method. */
    public record PathRule(String prefix, Rate rate) {}
}
