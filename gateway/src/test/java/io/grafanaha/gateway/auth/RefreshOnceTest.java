package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RefreshOnceTest {
    private Instant now = Instant.parse("2026-12-03T12:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final RefreshOnce<String> once = new RefreshOnce<>(clock);
    private final AtomicInteger calls = new AtomicInteger();

    private CompletableFuture<String> provider() {
        return CompletableFuture.completedFuture("session-" + calls.incrementAndGet());
    }

    @Test
    void requestsWithTheSameTokenWithinTheReuseWindowGetTheSameNewSession() {
        CompletableFuture<String> pending = new CompletableFuture<>();
        CompletableFuture<String> first = once.refresh("rt-1", () -> pending);
        CompletableFuture<String> second = once.refresh("rt-1", this::provider);
        pending.complete("session-from-provider");

        now = now.plus(RefreshOnce.REUSE).minusSeconds(1);
        assertThat(first.join()).isEqualTo("session-from-provider");
        assertThat(second.join()).isEqualTo("session-from-provider");
        assertThat(once.refresh("rt-1", this::provider).join()).isEqualTo("session-from-provider");
        assertThat(calls).hasValue(0);
    }

    @Test
    void anotherTokenAndALateRequestAreRefreshedOnTheirOwn() {
        assertThat(once.refresh("rt-1", this::provider).join()).isEqualTo("session-1");
        assertThat(once.refresh("rt-2", this::provider).join()).isEqualTo("session-2");
        now = now.plus(RefreshOnce.REUSE).plusSeconds(1);
        assertThat(once.refresh("rt-1", this::provider).join()).isEqualTo("session-3");
        assertThat(once.size()).as("the old entries are forgotten").isEqualTo(1);
    }

    @Test
    void aFailedRefreshIsTriedAgainByTheNextRequest() {
        CompletableFuture<String> failed = once.refresh("rt-1", () -> CompletableFuture.failedFuture(new java.io.IOException("provider down")));
        assertThat(failed).isCompletedExceptionally();
        assertThat(once.refresh("rt-1", this::provider).join()).isEqualTo("session-1");
    }
}
