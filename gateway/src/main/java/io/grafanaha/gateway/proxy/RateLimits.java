package io.grafanaha.gateway.proxy;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.grafanaha.gateway.config.RateLimitConfig;
import io.grafanaha.gateway.config.TrustedProxies;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code rate-limits}: a Bucket4j token bucket per rule and client address. Grafana's sign-in
 * ({@code POST /login}) is the rule that matters most: every gateway instance and every Grafana behind it
 * counts failed sign-ins on its own, so without a limit in front an attacker gets N times the attempts.
 * A request matches at most one rule (sign-in first, then the path prefixes in order); the GET path pays
 * one string comparison per prefix rule and nothing else.
 */
final class RateLimits {
    static final String LOGIN_RULE = "login";

    private final Rule login;
    private final List<Rule> paths;
    private final TrustedProxies trusted;
    private final ConcurrencyCap concurrency;

    RateLimits(RateLimitConfig config, TrustedProxies trusted, TimeMeter time, MeterRegistry registry) {
        this.trusted = trusted;
        this.login = config.login().map(r -> new Rule(LOGIN_RULE, LOGIN_RULE, r, config.maxAddresses(), time, registry)).orElse(null);
        this.paths = config.paths().stream()
                .map(p -> new Rule(p.prefix(), p.prefix(), p.rate(), config.maxAddresses(), time, registry))
                .toList();
        this.concurrency = new ConcurrencyCap(config.maxConcurrentPerAddress(), registry);
    }

    /** The per-address cap on requests in progress ({@link ConcurrencyCap#on()} false when not configured). */
    ConcurrencyCap concurrency() {
        return concurrency;
    }

    /** The client address the limits count under: the one {@code X-Real-IP} gets. */
    String address(HttpRequest request, InetSocketAddress peer) {
        return HeaderPolicy.clientAddress(request.headers(), peer, trusted);
    }

    /**
     * Takes a token for this request from its client's bucket. Returns 0 when the request may go on, else
     * the whole seconds (at least 1) until its client has a token again: the honest {@code Retry-After}.
     */
    long take(HttpRequest request, String path, InetSocketAddress peer) {
        Rule rule = ruleFor(request.method(), path);
        if (rule == null) {
            return 0;
        }
        return rule.take(HeaderPolicy.clientAddress(request.headers(), peer, trusted));
    }

    private Rule ruleFor(HttpMethod method, String path) {
        if (login != null && HttpMethod.POST.equals(method) && (path.equals("/login") || path.equals("/login/"))) {
            return login;
        }
        for (int i = 0; i < paths.size(); i++) {
            Rule rule = paths.get(i);
            if (path.startsWith(rule.prefix)) {
                return rule;
            }
        }
        return null;
    }

    /** The addresses a rule remembers now (tests: the map stays bounded). */
    int addresses(String rule) {
        if (login != null && login.name.equals(rule)) {
            return login.buckets.size();
        }
        return paths.stream().filter(r -> r.name.equals(rule)).mapToInt(r -> r.buckets.size()).sum();
    }

    /**
     * One rule's buckets, at most {@code maxAddresses} of them. When full, a sweep forgets the buckets that
     * are full again (an idle address: forgetting it changes nothing), then, if a flood of addresses still
     * fills the map, arbitrary ones, down to nine tenths, so sweeps stay rare and memory bounded.
     */
    private static final class Rule {
        private final String name;
        private final String prefix;
        private final Bandwidth bandwidth;
        private final long capacity;
        private final int maxAddresses;
        private final TimeMeter time;
        private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
        private final AtomicBoolean sweeping = new AtomicBoolean();
        private final Counter limited;

        Rule(String name, String prefix, RateLimitConfig.Rate rate, int maxAddresses, TimeMeter time, MeterRegistry registry) {
            this.name = name;
            this.prefix = prefix;
            this.capacity = rate.count();
            this.bandwidth = Bandwidth.builder().capacity(rate.count()).refillGreedy(rate.count(), rate.period()).build();
            this.maxAddresses = maxAddresses;
            this.time = time;
            this.limited = Counter.builder("gateway.rate.limited")
                    .description("Requests answered 429 by a rate limit, by rule (login, or the path prefix)")
                    .tag("rule", name)
                    .register(registry);
        }

        long take(String address) {
            Bucket bucket = buckets.get(address);
            if (bucket == null) {
                if (buckets.size() >= maxAddresses) {
                    sweep();
                }
                bucket = buckets.computeIfAbsent(address, a -> Bucket.builder().addLimit(bandwidth).withCustomTimePrecision(time).build());
            }
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (probe.isConsumed()) {
                return 0;
            }
            limited.increment();
            long nanos = probe.getNanosToWaitForRefill();
            return Math.max(1, (nanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
        }

        private void sweep() {
            if (!sweeping.compareAndSet(false, true)) {
                return;
            }
            try {
                buckets.values().removeIf(b -> b.getAvailableTokens() >= capacity);
                int target = maxAddresses - maxAddresses / 10;
                Iterator<String> it = buckets.keySet().iterator();
                while (buckets.size() > target && it.hasNext()) {
                    it.next();
                    it.remove();
                }
            } finally {
                sweeping.set(false);
            }
        }
    }
}
