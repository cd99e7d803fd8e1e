package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryBudget budget = new RetryBudget(() -> 0L, 0.2, 1);
    private final RetryPolicy policy = RetryPolicy.of(2, budget);
    private final AtomicInteger asked = new AtomicInteger();
    private final Supplier<Optional<String>> other = () -> {
        asked.incrementAndGet();
        return Optional.of("grafana-b");
    };

    private static RetryPolicy.Facts facts(boolean touched, boolean safe, boolean intact, boolean complete, int retries) {
        return new RetryPolicy.Facts(touched, safe, intact, complete, retries);
    }

    private static String reason(RetryPolicy.Verdict<String> verdict) {
        return verdict instanceof RetryPolicy.Verdict.Stay<String> stay ? stay.reason() : "retry";
    }

    @Test
    void aSafeRequestTheClientHasSeenNothingOfGoesElsewhereAfterAPause() {
        var verdict = policy.decide(RetryCause.RESET, facts(false, true, true, true, 0), other);

        assertThat(verdict).isInstanceOfSatisfying(RetryPolicy.Verdict.Retry.class, retry -> {
            assertThat(retry.next()).isEqualTo("grafana-b");
            assertThat(retry.delayMillis()).isBetween(1L, RetryPolicy.BACKOFF_MAX_MILLIS);
        });
    }

    @Test
    void eachRefusalNamesItsReasonAndNeitherAsksTheRouterNorSpendsBudget() {
        assertThat(reason(policy.decide(RetryCause.RESET, facts(true, true, true, true, 0), other))).isEqualTo("response-started");
        assertThat(reason(policy.decide(RetryCause.RESET, facts(false, false, true, true, 0), other))).isEqualTo("unsafe-method");
        assertThat(reason(policy.decide(RetryCause.RESET, facts(false, true, true, false, 0), other))).isEqualTo("body-not-replayable");
        assertThat(reason(policy.decide(RetryCause.CONNECT_REFUSED, facts(false, false, false, false, 0), other)))
                .isEqualTo("body-not-replayable");
        assertThat(reason(policy.decide(RetryCause.RESET, facts(false, true, true, true, 2), other))).isEqualTo("attempts-exhausted");

        assertThat(asked).hasValue(0);
        assertThat(budget.tryAcquire()).isTrue();
    }

    @Test
    void anUnsafeRequestThatNeverLeftMayGoElsewhere() {
        var verdict = policy.decide(RetryCause.CONNECT_REFUSED, facts(false, false, true, false, 0), other);

        assertThat(verdict).isInstanceOf(RetryPolicy.Verdict.Retry.class);
    }

    @Test
    void withNowhereElseToGoTheBudgetIsKept() {
        var verdict = policy.decide(RetryCause.RESET, facts(false, true, true, true, 0), Optional::<String>empty);

        assertThat(reason(verdict)).isEqualTo("no-other-backend");
        assertThat(budget.tryAcquire()).isTrue();
    }

    @Test
    void anEmptyBudgetStopsRetriesButNotMovesOffABackendMarkedDown() {
        assertThat(budget.tryAcquire()).isTrue();

        assertThat(reason(policy.decide(RetryCause.RESET, facts(false, true, true, true, 0), other))).isEqualTo("budget-exhausted");
        assertThat(reason(policy.decide(RetryCause.BACKEND_DOWN, facts(false, true, true, true, 0), other))).isEqualTo("retry");
    }
}
