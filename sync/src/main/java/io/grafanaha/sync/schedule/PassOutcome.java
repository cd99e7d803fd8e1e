package io.grafanaha.sync.schedule;

import java.util.Set;

/** How a pass went, as far as scheduling the next one is concerned. */
public sealed interface PassOutcome {

    /**
     * Git was fetched and the pass ran over its backends.
     *
     * @param failed the backends whose part failed (unreadable, or an operation failed): each gets a pass of its own
     *     soon, with backoff
     */
    record Fetched(Set<String> failed) implements PassOutcome {
        public Fetched {
            failed = Set.copyOf(failed);
        }
    }

    /**
     * Git could not be fetched (or has no head yet): the next pass comes after a backoff, not after the interval.
     *
     * @param failuresInARow failed fetches in a row so far (0 when the fetch worked but found nothing to sync)
     */
    record NotFetched(int failuresInARow) implements PassOutcome {}
}
