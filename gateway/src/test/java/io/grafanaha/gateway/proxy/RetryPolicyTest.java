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
    void aConditionalSaveWhoseBackendDiedUnansweredIsReplayedAndCountedAsOne() {
        var conditional = new RetryPolicy.Facts(false, false, false, false, 0, true);

        assertThat(reason(policy.decide(RetryCause.RESET, conditional, other))).isEqualTo("retry");
        assertThat(reason(policy.decide(RetryCause.BACKEND_DOWN, conditional, other))).isEqualTo("retry");
        assertThat(RetryCause.RESET.counted(true)).isEqualTo(RetryCause.SAVE_REPLAY);
        assertThat(RetryCause.SAVE_REPLAY.label()).isEqualTo("save-replay");
        assertThat(RetryCause.CONNECT_REFUSED.counted(true)).as("nothing was sent: an ordinary retry").isEqualTo(RetryCause.CONNECT_REFUSED);
    }

    @Test
    void aConditionalSaveWhoseBackendAnsweredOrIsOnlySlowIsNeverReplayed() {
        var conditional = new RetryPolicy.Facts(false, false, true, true, 0, true);

        for (RetryCause answeredOrSlow : new RetryCause[] {RetryCause.STATUS_502, RetryCause.STATUS_503, RetryCause.STATUS_504,
                RetryCause.RESPONSE_TIMEOUT, RetryCause.TRY_TIMEOUT}) {
            assertThat(reason(policy.decide(answeredOrSlow, conditional, other))).as(answeredOrSlow.label()).isEqualTo("unsafe-method");
        }
        assertThat(reason(policy.decide(RetryCause.RESET, new RetryPolicy.Facts(true, false, true, true, 0, true), other)))
                .isEqualTo("response-started");
        assertThat(asked).hasValue(0);
    }

    @Test
    void withReplaySavesOffAConditionalSaveStaysAndSaysWhy() {
        var off = RetryPolicy.of(2, budget, 0, false);

        assertThat(reason(off.decide(RetryCause.RESET, new RetryPolicy.Facts(false, false, true, true, 0, true), other)))
                .isEqualTo("replay-saves-off");
        assertThat(reason(off.decide(RetryCause.RESET, facts(false, false, true, true, 0), other))).isEqualTo("unsafe-method");
        assertThat(asked).hasValue(0);
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
