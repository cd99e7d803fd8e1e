package io.grafanaha.sync;

import java.time.Instant;
import java.util.Optional;

/**
 * The {@code git} object of {@code /api/status}.
 *
 * @param head the followed branch's head the mirror holds (40 hex); empty before the first successful fetch
 * @param headSubject the head commit's subject line
 * @param lastFetch when a fetch last succeeded
 * @param lastError the last fetch's error; empty once a fetch succeeds again
 * @param fetchFailures failed fetches since start (a counter for {@code gateway_sync_errors_total{kind="fetch"}})
 */
public record GitStatus(Optional<String> head, Optional<String> headSubject, Optional<Instant> lastFetch,
        Optional<String> lastError, long fetchFailures) {}
