package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final RetryBudget budget = new RetryBudget(now::get, 0.2, 3);

    private int acquireAll() {
        int n = 0;
        while (budget.tryAcquire()) {
            n++;
        }
        return n;
    }

    @Test
    void aQuietGatewayMayStillRetryAFewTimesPerSecond() {
        assertThat(acquireAll()).isEqualTo(3);
        now.addAndGet(SECOND);
        assertThat(acquireAll()).isEqualTo(3);
    }

    @Test
    void underLoadRetriesAreAFifthOfTheRequestsInTheWindow() {
        for (int i = 0; i < 100; i++) {
            budget.requestStarted();
        }
        assertThat(acquireAll()).isEqualTo(20);
    }

    @Test
    void requestsOlderThanTheWindowNoLongerEarnRetries() {
        for (int i = 0; i < 100; i++) {
            budget.requestStarted();
        }
        assertThat(acquireAll()).isEqualTo(20);

        now.addAndGet(RetryBudget.WINDOW_SECONDS * SECOND);

        // The old requests and retries have aged out together; only the per-second floor is left.
        assertThat(acquireAll()).isEqualTo(3);
    }

    @Test
    void theWindowSlidesSecondBySecond() {
        for (int i = 0; i < 50; i++) {
            budget.requestStarted();
        }
        now.addAndGet(5 * SECOND);
        for (int i = 0; i < 50; i++) {
            budget.requestStarted();
        }
        assertThat(acquireAll()).isEqualTo(20);
        now.addAndGet(6 * SECOND);
        // The first 50 requests left the window, the 20 retries (taken in the later second) did not.
        assertThat(acquireAll()).isEqualTo(3);
    }
}
