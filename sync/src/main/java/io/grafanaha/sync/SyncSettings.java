package io.grafanaha.sync;

import io.grafanaha.sync.apply.RetryPolicy;
import io.grafanaha.sync.desired.ReadDesiredState;
import io.grafanaha.sync.desired.SyncScope;
import io.grafanaha.sync.git.GitCredentials;
import io.grafanaha.sync.git.GitSource;
import io.grafanaha.sync.plan.DeleteLimit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.eclipse.jgit.lib.Repository;

/**
 * The {@code sync:} section of the configuration, as the {@link SyncService} uses it.
 *
 * @param repository {@code sync.repository}: https, ssh, git or file URL
 * @param branch {@code sync.branch}
 * @param path {@code sync.path}: the directory of the repository that is synced; {@code ""} for all of it
 * @param folderTitle {@code sync.folder}: title of the root folder; null or blank = the repository's name
 * @param interval {@code sync.interval}: how often Git is fetched when nothing else triggers a pass
 * @param credentials {@code sync.git-token} / {@code sync.ssh-key}
 * @param writeBack {@code sync.write-back}: whether {@link io.grafanaha.sync.writeback.WriteBack} commits captured
 *     edits (else they are counted as drift); the service itself never pushes
 * @param deleteLimit {@code sync.max-deletes}
 * @param dataDir {@code sync.data-dir}: holds {@code mirror/}, {@code state/}, and the write-back's {@code journal/}
 *     and {@code writeback/mirror/}
 * @param concurrency the most dashboard calls in flight per backend
 * @param retry how each Grafana call is retried
 * @param scope {@code sync.scope}: the root folder {@code folderTitle} (default), or the whole instance
 */
public record SyncSettings(String repository, String branch, String path, String folderTitle, Duration interval,
        GitCredentials credentials, boolean writeBack, DeleteLimit deleteLimit, Path dataDir, int concurrency,
        RetryPolicy retry, SyncScope scope) {

    public SyncSettings {
        Objects.requireNonNull(scope, "sync.scope");
        Objects.requireNonNull(repository, "sync.repository");
        Objects.requireNonNull(branch, "sync.branch");
        path = ReadDesiredState.normalisePath(path);
        Objects.requireNonNull(interval, "sync.interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("sync.interval must be positive, got " + interval);
        }
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(deleteLimit, "sync.max-deletes");
        Objects.requireNonNull(dataDir, "sync.data-dir");
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
        }
        Objects.requireNonNull(retry, "retry");
        if (folderTitle == null || folderTitle.isBlank()) {
            folderTitle = new GitSource(repository, branch, credentials).repositoryName();
        }
    }

    /** The documented defaults: branch main, whole repository, 60 s, anonymous, write-back on, 10%, 4 in flight. */
    public static SyncSettings of(String repository, Path dataDir) {
        return new SyncSettings(repository, "main", "", null, Duration.ofSeconds(60), GitCredentials.none(), true,
                DeleteLimit.percent(10), dataDir, 4, RetryPolicy.defaults(), SyncScope.FOLDER);
    }

    public SyncSettings withScope(SyncScope value) {
        return new SyncSettings(repository, branch, path, folderTitle, interval, credentials, writeBack, deleteLimit,
                dataDir, concurrency, retry, value);
    }

    /** A reader of the desired state at a commit of {@code repository}, as these settings lay it out. */
    public ReadDesiredState reader(Repository repository) {
        return new ReadDesiredState(repository).setPath(path).setRootFolderTitle(folderTitle).setScope(scope);
    }

    /** The branch to follow, with credentials. */
    public GitSource source() {
        return new GitSource(repository, branch, credentials);
    }

    public SyncSettings withBranch(String value) {
        return new SyncSettings(repository, value, path, folderTitle, interval, credentials, writeBack, deleteLimit,
                dataDir, concurrency, retry, scope);
    }

    public SyncSettings withPath(String value) {
        return new SyncSettings(repository, branch, value, folderTitle, interval, credentials, writeBack, deleteLimit,
                dataDir, concurrency, retry, scope);
    }

    public SyncSettings withFolderTitle(String value) {
        return new SyncSettings(repository, branch, path, value, interval, credentials, writeBack, deleteLimit,
                dataDir, concurrency, retry, scope);
    }

    public SyncSettings withInterval(Duration value) {
        return new SyncSettings(repository, branch, path, folderTitle, value, credentials, writeBack, deleteLimit,
                dataDir, concurrency, retry, scope);
    }

    public SyncSettings withCredentials(GitCredentials value) {
        return new SyncSettings(repository, branch, path, folderTitle, interval, value, writeBack, deleteLimit,
                dataDir, concurrency, retry, scope);
    }

    public SyncSettings withWriteBack(boolean value) {
        return new SyncSettings(repository, branch, path, folderTitle, interval, credentials, value, deleteLimit,
                dataDir, concurrency, retry, scope);
    }

    public SyncSettings withDeleteLimit(DeleteLimit value) {
        return new SyncSettings(repository, branch, path, folderTitle, interval, credentials, writeBack, value,
                dataDir, concurrency, retry, scope);
    }

    public SyncSettings withConcurrency(int value) {
        return new SyncSettings(repository, branch, path, folderTitle, interval, credentials, writeBack, deleteLimit,
                dataDir, value, retry, scope);
    }

    public SyncSettings withRetry(RetryPolicy value) {
        return new SyncSettings(repository, branch, path, folderTitle, interval, credentials, writeBack, deleteLimit,
                dataDir, concurrency, value, scope);
    }
}
