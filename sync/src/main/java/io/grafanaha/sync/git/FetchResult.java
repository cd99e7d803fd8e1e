package io.grafanaha.sync.git;

import java.util.Optional;

/** The outcome of one fetch of the followed branch; never thrown, always returned. */
public sealed interface FetchResult {

    /** The head the mirror holds after this fetch (the previous one if the fetch failed). */
    Optional<CommitInfo> head();

    /** The branch moved; {@code forced} when the new head does not descend from the previous one. */
    record Updated(Optional<CommitInfo> previous, CommitInfo current, boolean forced) implements FetchResult {
        @Override
        public Optional<CommitInfo> head() {
            return Optional.of(current);
        }
    }

    /** The branch did not move. */
    record UpToDate(CommitInfo current) implements FetchResult {
        @Override
        public Optional<CommitInfo> head() {
            return Optional.of(current);
        }
    }

    /**
     * Git could not be reached or the branch is missing; the mirror keeps what it had, so {@code head} is the
     * previous content, still readable.
     */
    record Failed(String error, Optional<CommitInfo> head) implements FetchResult {}
}
