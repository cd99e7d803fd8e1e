package io.grafanaha.sync.webhook;

/** What to do with one webhook delivery. */
public sealed interface WebhookResult {

    /** The HTTP status to answer with. */
    int httpStatus();

    /** Not proven to come from the configured Git host: answer 401 and trigger nothing. */
    record Unauthorized(String reason) implements WebhookResult {
        @Override
        public int httpStatus() {
            return 401;
        }
    }

    /** Authentic but not a push to the followed branch (a ping, another event, another branch): answer 202. */
    record Ignored(String reason) implements WebhookResult {
        @Override
        public int httpStatus() {
            return 202;
        }
    }

    /**
     * An authentic push to the followed branch: trigger a sync and answer 202.
     *
     * @param ref {@code refs/heads/<branch>}
     * @param after the pushed head commit as the host reports it (may be empty if the host omitted it)
     */
    record Accepted(WebhookProvider provider, String ref, String after) implements WebhookResult {
        @Override
        public int httpStatus() {
            return 202;
        }
    }
}
