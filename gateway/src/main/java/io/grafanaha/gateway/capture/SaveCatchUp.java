package io.grafanaha.gateway.capture;

import io.grafanaha.sync.writeback.CatchUp;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of a save's translation: when the instance that serves it lacks the content its user started from,
 * and that content is the newest one acknowledged for the dashboard (a save on another instance, in the journal or
 * just committed: {@link CatchUp}), the instance is brought up to it first, so the translation can prove the user
 * started from its current version instead of answering a 412 nobody caused (the second after a failover, before the
 * sync's fan-out). The user's starting point is what the {@link DashboardLedger} saw of that version on the other
 * instances (the acknowledged save's answer taught it). Anything else (another, newer acknowledged save; an
 * edit made on the serving instance; nothing known) changes nothing: the translation and the write-back's guard decide
 * as before, so a real conflict still gets its 412.
 *
 * <p>Runs on the sync's read threads ({@code reads}); a failure is logged and the save goes on to be translated.
 */
public final class SaveCatchUp {
    private static final Logger log = LoggerFactory.getLogger(SaveCatchUp.class);
    /** No catch-up (no write-back). */
    static final SaveCatchUp NONE = new SaveCatchUp(null, null, Runnable::run);

    private final CatchUp catchUp;
    private final DashboardLedger ledger;
    private final Executor reads;

    public SaveCatchUp(CatchUp catchUp, DashboardLedger ledger, Executor reads) {
        this.catchUp = catchUp;
        this.ledger = ledger;
        this.reads = reads;
    }

    /**
     * Brings {@code backend} up to what a save of {@code uid} based on version {@code version} (id {@code id}, when
     * the body names one) started from, when that is the newest acknowledged content and the backend lacks it. Always
     * completes normally.
     */
    public CompletionStage<Void> before(String backend, String uid, OptionalLong id, int version) {
        if (catchUp == null) {
            return CompletableFuture.completedFuture(null);
        }
        // Off the event loop from the start: asking whether an edit is pending may wait for the journal's fsync.
        return CompletableFuture.runAsync(() -> {
            try {
                Optional<CatchUp.Behind> behind = catchUp.behind(backend, uid);
                if (behind.isPresent() && startedFrom(behind.get(), uid, id, version, backend)) {
                    catchUp.bringUp(backend, behind.get());
                }
            } catch (java.io.IOException | RuntimeException e) {
                log.warn("could not bring {} up to the newest save of dashboard {} before a save there: {}", backend,
                        uid, e.toString());
            }
        }, reads);
    }

    /**
     * Before a dashboard load ({@code GET /api/dashboards/uid/:uid}, {@code path}) on {@code backend}: when the
     * backend lacks the newest acknowledged save of that dashboard (after a failover, or a failback to an instance
     * the fan-out has not reached), the stage that brings it up first, so the page shows what was saved, as one
     * Grafana would, and its next save starts from it; empty when there is nothing to do (asked on the event loop,
     * in memory). The stage always completes normally.
     */
    public Optional<CompletionStage<Void>> beforeLoad(String backend, String path) {
        if (catchUp == null) {
            return Optional.empty();
        }
        String uid = URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
        Optional<CatchUp.Behind> behind = catchUp.behind(backend, uid);
        if (behind.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(CompletableFuture.runAsync(() -> {
            try {
                catchUp.bringUp(backend, behind.get());
            } catch (java.io.IOException | RuntimeException e) {
                log.warn("could not bring {} up to the newest save of dashboard {} before a load there: {}", backend,
                        uid, e.toString());
            }
        }, reads));
    }

    /** Whether the user started from exactly {@code behind}'s content, as far as the gateway can tell. */
    private boolean startedFrom(CatchUp.Behind behind, String uid, OptionalLong id, int version, String backend) {
        String acknowledged = DashboardLedger.fingerprint(behind.dashboard());
        // Not the acknowledged save's own id and version alone: the serving instance may number its own copy alike.
        return ledger.contents(uid, version, id, backend).equals(Set.of(acknowledged));
    }
}
