package io.grafanaha.gateway.app;

import io.grafanaha.gateway.admin.ActivityLog;
import io.grafanaha.gateway.capture.SaveTranslation;
import io.grafanaha.gateway.capture.TranslationCounts;
import io.grafanaha.gateway.config.SyncConfig;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.writeback.WriteBack;
import io.grafanaha.sync.writeback.WriteBackEvent;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the write-back beside the sync, logs what it does, and exports its counters and its save translations'. */
final class WriteBackSetup {
    private static final Logger log = LoggerFactory.getLogger("io.grafanaha.writeback");

    private WriteBackSetup() {}

    static WriteBack create(SyncService sync, SyncConfig config, ActivityLog activity, Threads threads) {
        try {
            return new WriteBack(sync, event -> {
                log(event);
                record(event, activity);
            }, threads.clock(), threads.writeBack()).setPollInterval(config.pollInterval());
        } catch (IOException e) {
            throw new UncheckedIOException("sync.data-dir " + config.dataDir() + ": cannot open the write-back journal: " + e.getMessage(), e);
        }
    }

    static void bindMetrics(WriteBack writeBack, MeterRegistry registry) {
        FunctionCounter.builder("gateway_writeback_commits_total", writeBack, w -> w.status().commits())
                .description("Edits made in Grafana and committed to Git").register(registry);
        FunctionCounter.builder("gateway_conflicts_total", writeBack, w -> w.status().conflicts())
                .description("Edits that conflicted with Git and went to a gateway/conflicts/ branch").register(registry);
        Gauge.builder("gateway_writeback_backlog", writeBack, w -> w.status().backlog())
                .description("Captured edits not yet in Git").register(registry);
        FunctionCounter.builder("gateway_writeback_failures_total", writeBack, w -> w.status().failures())
                .description("Write-back attempts that failed and will be retried").register(registry);
        FunctionCounter.builder("gateway_writeback_journal_failures_total", writeBack, w -> w.status().journalFailures())
                .description("Journal writes that failed (disk full, read-only): their edits are held in memory until"
                        + " committed").register(registry);
    }

    /** {@code gateway_save_translations_total{outcome}}: every outcome exported from the start. */
    static void bindMetrics(TranslationCounts counts, MeterRegistry registry) {
        for (SaveTranslation.Result result : SaveTranslation.Result.values()) {
            FunctionCounter.builder("gateway_save_translations_total", counts, c -> c.count(result))
                    .tag("outcome", result.label())
                    .description("Dashboard saves checked against the instance that serves them, translated when read"
                            + " from another one, by what became of them")
                    .register(registry);
        }
    }

    private static void record(WriteBackEvent event, ActivityLog activity) {
        if (event instanceof WriteBackEvent.Committed e) {
            activity.record("write-back", Optional.of(e.edit().backend()), e.message() + " (" + shortId(e.commit()) + ")");
        } else if (event instanceof WriteBackEvent.Conflicted e) {
            activity.record("conflict", Optional.of(e.edit().backend()), e.edit().uid() + " changed in Git too: Git's version stays,"
                    + " the edit is on branch " + e.branch());
        } else if (event instanceof WriteBackEvent.Failed e) {
            activity.record("write-back-failed", Optional.of(e.edit().backend()), e.edit().uid() + ": " + e.error() + " (will retry)");
        } else if (event instanceof WriteBackEvent.JournalFailed e) {
            activity.record("journal-failed", Optional.of(e.edit().backend()), e.edit().uid() + ": the journal cannot be"
                    + " written (" + e.error() + "); the edit is held in memory until it is in Git");
        }
    }

    private static String shortId(String commit) {
        return commit.substring(0, Math.min(7, commit.length()));
    }

    private static void log(WriteBackEvent event) {
        if (event instanceof WriteBackEvent.Committed e) {
            log.info("write-back committed {} {} from {} as {} ({})", e.edit().kind(), e.edit().uid(), e.edit().backend(),
                    shortId(e.commit()), e.path());
        } else if (event instanceof WriteBackEvent.Conflicted e) {
            log.warn("write-back conflict: {} {} from {} changed in Git too; the user's version is on branch {}",
                    e.edit().kind(), e.edit().uid(), e.edit().backend(), e.branch());
        } else if (event instanceof WriteBackEvent.Drift e) {
            log.info("edit of {} on {} is drift (sync.write-back is false): the next pass replaces it", e.edit().uid(), e.edit().backend());
        } else if (event instanceof WriteBackEvent.Failed e) {
            log.warn("write-back of {} {} from {} failed, will retry: {}", e.edit().kind(), e.edit().uid(), e.edit().backend(), e.error());
        } else if (event instanceof WriteBackEvent.JournalFailed e) {
            log.error("journal write failed for {} {} from {}: {}; the edit is held in memory until it is in Git, a crash"
                    + " before then loses it", e.edit().kind(), e.edit().uid(), e.edit().backend(), e.error());
        } else if (event instanceof WriteBackEvent.Skipped e) {
            log.debug("write-back skipped {} {}: {}", e.edit().kind(), e.edit().uid(), e.reason());
        }
    }

}
