package io.grafanaha.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One refresh per refresh token, however many requests ask for it. A page whose session has just expired sends a
 * burst of requests (panels, search, Live) that all carry the same cookie and so the same refresh token. Providers
 * that rotate refresh tokens (Keycloak with "revoke refresh token", Auth0, Okta) accept a token once: the second use
 * is refused and, without this, signs the user out. So the first request starts the refresh and every other request
 * with that token, during it and for {@link #REUSE} after it (requests sent before the browser stored the new
 * cookie), gets the same result: the same new session cookie.
 *
 * <p>Tokens are keyed by their SHA-256, never kept in the clear. At most {@link #MAX_ENTRIES} are remembered; the
 * oldest go first. Called from event loops, so every method is short and synchronized.
 */
final class RefreshOnce<T> {
    static final Duration REUSE = Duration.ofSeconds(30);
    static final int MAX_ENTRIES = 10_000;

    private record Entry<T>(CompletableFuture<T> result, Instant started) {}

    private final Clock clock;
    private final Map<String, Entry<T>> byToken = new LinkedHashMap<>();

    RefreshOnce(Clock clock) {
        this.clock = clock;
    }

    /** The refresh for {@code refreshToken}: the one in progress or just done, else a new one from {@code refresh}. */
    CompletableFuture<T> refresh(String refreshToken, Supplier<CompletableFuture<T>> refresh) {
        String key = digest(refreshToken);
        Instant now = clock.instant();
        CompletableFuture<T> started;
        synchronized (this) {
            forgetOld(now);
            Entry<T> known = byToken.get(key);
            if (known != null && !failedOrCancelled(known.result())) {
                return known.result();
            }
            started = new CompletableFuture<>();
            byToken.put(key, new Entry<>(started, now));
            if (byToken.size() > MAX_ENTRIES) {
                Iterator<String> oldest = byToken.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
        // Outside the lock: the supplier sends a request to the provider.
        refresh.get().whenComplete((value, error) -> {
            if (error != null) {
                started.completeExceptionally(error);
            } else {
                started.complete(value);
            }
        });
        return started;
    }

    /** A refresh that failed is not shared with later requests: they try again (the provider may be back). */
    private static boolean failedOrCancelled(CompletableFuture<?> f) {
        return f.isCompletedExceptionally();
    }

    private void forgetOld(Instant now) {
        Instant cutoff = now.minus(REUSE);
        Iterator<Entry<T>> it = byToken.values().iterator();
        while (it.hasNext()) {
            Entry<T> e = it.next();
            if (!e.started().isBefore(cutoff)) {
                return; // insertion order is start order: the rest are younger
            }
            if (e.result().isDone()) {
                it.remove();
            }
        }
    }

    synchronized int size() {
        return byToken.size();
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
