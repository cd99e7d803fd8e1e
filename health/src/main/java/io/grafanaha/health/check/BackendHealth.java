package io.grafanaha.health.check;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The rise/fall counters of one backend: a pure state machine fed with check results and proxy
 * outcomes, returning a {@link Transition} when the state changes. Not thread-safe; the
 * {@link HealthChecker} guards it.
 *
 * <p>Rules: an unknown backend goes up on its first pass and down on its first failure; afterwards it
 * takes {@code rise} consecutive passes to go up and {@code fall} consecutive failures to go down.
 * {@code passiveFall} consecutive connection-level proxy failures also take an up backend down, and
 * then it needs {@code rise} passing checks to return: unlike Envoy, one passing check does not
 * un-eject a backend the data plane found broken.
 */
public final class BackendHealth {

    private CheckPolicy policy;
    private HealthState state = HealthState.UNKNOWN;
    private int passes;
    private int failures;
    private int proxyFailures;
    private Instant lastCheck;
    private Long latencyMs;
    private String lastError;
    /** The build the last answer that named one reported (kept while the backend is down: it is still that build). */
    private GrafanaBuild build;

    public BackendHealth(CheckPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** A reload changed the policy: counters and state stay, the new rise, fall and intervals apply from now. */
    public void policy(CheckPolicy newPolicy) {
        this.policy = Objects.requireNonNull(newPolicy, "policy");
    }

    /** Records one active check finished at {@code at}. */
    public Optional<Transition> record(CheckResult result, Instant at) {
        lastCheck = at;
        latencyMs = result.latency().toMillis();
        if (result.build() != null) {
            build = result.build();
        }
        if (result.passed()) {
            failures = 0;
            passes++;
            lastError = null;
            if (state == HealthState.UNKNOWN) {
                return moveTo(HealthState.UP, "first check passed");
            }
            if (state == HealthState.DOWN && passes >= policy.rise()) {
                return moveTo(HealthState.UP, passes + " consecutive checks passed");
            }
            return Optional.empty();
        }
        passes = 0;
        failures++;
        lastError = result.detail();
        if (state == HealthState.UNKNOWN) {
            return moveTo(HealthState.DOWN, "first check failed: " + result.detail());
        }
        if (state == HealthState.UP && failures >= policy.fall()) {
            return moveTo(HealthState.DOWN, failures + " consecutive checks failed, last: " + result.detail());
        }
        return Optional.empty();
    }

    /** Records a failure the proxy saw; only connection-level kinds count towards ejection. */
    public Optional<Transition> recordProxyFailure(FailureKind kind) {
        // Only an up backend can be ejected; failures seen while it is down or unknown (last resort)
        // must not carry over and eject it the moment it comes back.
        if (!kind.countsTowardsEjection() || state != HealthState.UP) {
            return Optional.empty();
        }
        proxyFailures++;
        if (state == HealthState.UP && proxyFailures >= policy.passiveFall()) {
            passes = 0;
            lastError = "proxy: " + kind;
            return moveTo(HealthState.DOWN, proxyFailures + " consecutive proxy failures, last: " + kind);
        }
        return Optional.empty();
    }

    /** A response came back through the proxy: the connection-level failure streak is over. */
    public void recordProxySuccess() {
        proxyFailures = 0;
    }

    public HealthState state() {
        return state;
    }

    /** How long to wait before the next check, before jitter. */
    public Duration nextInterval() {
        if (state == HealthState.UNKNOWN
                || (state == HealthState.UP && failures > 0)
                || (state == HealthState.DOWN && passes > 0)) {
            return policy.fastInterval();
        }
        return state == HealthState.DOWN ? policy.downInterval() : policy.interval();
    }

    public HealthReport report() {
        return new HealthReport(state, lastCheck, latencyMs, failures, proxyFailures, lastError, build);
    }

    private Optional<Transition> moveTo(HealthState next, String reason) {
        Transition t = new Transition(state, next, reason);
        state = next;
        proxyFailures = 0;
        return Optional.of(t);
    }
}
