package io.grafanaha.health.check;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Performs one active check. Implementations never complete exceptionally: every problem is a
 * failed {@link CheckResult} with a detail that names it. {@link HttpProbe} is the production one;
 * tests script results without a network.
 */
@FunctionalInterface
public interface Probe {
    CompletionStage<CheckResult> check(URI url, Duration timeout);
}
