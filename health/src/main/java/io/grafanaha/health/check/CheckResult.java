package io.grafanaha.health.check;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one active check. {@code status} is the HTTP status, or 0 when no response came
 * (refused, reset, timeout); {@code detail} says why a check failed and is null for a pass; {@code build} is
 * the Grafana build the answer named, null when it named none.
 */
public record CheckResult(Verdict verdict, int status, Duration latency, String detail, GrafanaBuild build) {

    /** A 4xx is a failure too, but one that points at the gateway's configuration rather than Grafana. */
    public enum Verdict { PASS, FAIL, MISCONFIGURED }

    public CheckResult {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(latency, "latency");
    }

    public CheckResult(Verdict verdict, int status, Duration latency, String detail) {
        this(verdict, status, latency, detail, null);
    }

    /** The same result, naming the build the backend reported. */
    public CheckResult withBuild(GrafanaBuild reported) {
        return new CheckResult(verdict, status, latency, detail, reported);
    }

    public static CheckResult pass(int status, Duration latency) {
        return new CheckResult(Verdict.PASS, status, latency, null);
    }

    public static CheckResult fail(int status, Duration latency, String detail) {
        return new CheckResult(Verdict.FAIL, status, latency, detail);
    }

    public static CheckResult misconfigured(int status, Duration latency, String detail) {
        return new CheckResult(Verdict.MISCONFIGURED, status, latency, detail);
    }

    public boolean passed() {
        return verdict == Verdict.PASS;
    }
}
