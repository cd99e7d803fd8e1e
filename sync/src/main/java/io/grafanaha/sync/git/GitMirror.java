package io.grafanaha.sync.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TrackingRefUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bare mirror of one branch of the remote repository under {@code <data-dir>/mirror}.
 *
 * <p>Files are read straight from commit trees ({@link #repository()}), so there is no working tree to keep
 * consistent. The branch is fetched with a forced refspec, so a force-pushed branch is followed. A failed fetch
 * changes nothing on disk: the previous head stays readable and is reported in {@link FetchResult.Failed}.
 *
 * <p>Fetches are serialised; reading from {@link #repository()} while a fetch runs is safe (JGit objects are
 * immutable and the branch ref is updated atomically).
 */
public final class GitMirror implements AutoCloseable {
    /** More packs than this and the mirror is repacked after a fetch (Git's {@code gc.autoPackLimit}). */
    static final int PACK_LIMIT = 50;
    private static final Logger LOG = LoggerFactory.getLogger(GitMirror.class);
    /** What a fetch's update of the branch may end in when the branch is stored (or already was). */
    private static final Set<RefUpdate.Result> STORED = EnumSet.of(RefUpdate.Result.NEW, RefUpdate.Result.FAST_FORWARD,
            RefUpdate.Result.FORCED, RefUpdate.Result.NO_CHANGE);
    private static final String REMOTE = "origin";

    private final GitSource source;
    private final Path directory;
    private final Repository repository;
    private final Duration timeout;
    private final Path transportDir;

    private GitMirror(GitSource source, Path directory, Repository repository, Duration timeout, Path transportDir) {
        this.source = source;
        this.directory = directory;
        this.repository = repository;
        this.timeout = timeout;
        this.transportDir = transportDir;
    }

    /** Opens (creating if needed) the mirror in {@code <dataDir>/mirror}, with a 30 s network timeout. */
    public static GitMirror open(Path dataDir, GitSource source) throws IOException {
        return open(dataDir, source, Duration.ofSeconds(30));
    }

    /**
     * Opens (creating if needed) the mirror in {@code <dataDir>/mirror}. Does not touch the network; call
     * {@link #fetch()} for that. The remote URL and branch are (re)written into the mirror's config, so a
     * changed {@code sync.repository} takes effect on the next fetch.
     */
    public static GitMirror open(Path dataDir, GitSource source, Duration timeout) throws IOException {
        return open(dataDir, source, timeout, dataDir);
    }

    /**
     * Opens (creating if needed) the mirror in {@code <dataDir>/mirror}, with transport state (for ssh:
     * {@code ssh/known_hosts}, see {@link GitTransports}) kept under {@code transportDir} instead of {@code dataDir},
     * so that several mirrors of one gateway share one set of trusted host keys.
     */
    public static GitMirror open(Path dataDir, GitSource source, Duration timeout, Path transportDir)
            throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(transportDir, "transportDir");
        Path dir = dataDir.resolve("mirror").toAbsolutePath().normalize();
        Repository repo;
        if (Files.isRegularFile(dir.resolve("HEAD"))) {
            clearStaleLocks(dir);
            repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().setMustExist(true).build();
        } else {
            Files.createDirectories(dir);
            try {
                repo = Git.init().setBare(true).setDirectory(dir.toFile()).call().getRepository();
            } catch (GitAPIException e) {
                throw new IOException("cannot create the Git mirror in " + dir + ": " + e.getMessage(), e);
            }
        }
        StoredConfig config = repo.getConfig();
        config.setString("remote", REMOTE, "url", source.repository());
        config.setStringList("remote", REMOTE, "fetch", List.of(refSpec(source).toString()));
        // A repack (tidy) deletes the packs it replaced at once: JGit keeps them an hour by default for readers on
        // shared file systems, which would have every fetch of that hour repack again. The data directory is local
        // (the operator's guide says never to share it), and an open pack stays readable after its file is deleted.
        config.setString("gc", null, "prunePackExpire", "now");
        config.save();
        RefUpdate head = repo.updateRef(Constants.HEAD);
        head.disableRefLog();
        head.link(source.ref());
        return new GitMirror(source, dir, repo, timeout, transportDir.toAbsolutePath().normalize());
    }

    /**
     * Removes the lock files ({@code refs/heads/main.lock}, {@code packed-refs.lock}, {@code config.lock}...) that a
     * process killed while Git wrote left behind. Git never removes such a lock itself, and while one stays every
     * fetch leaves the branch where it was: a gateway killed mid-fetch once came back and could neither follow Git
     * nor write an edit back to it. Called as the mirror opens, before this process touches it; the mirror belongs to
     * one gateway (its data directory is never shared, docs/operators-guide.md), so a lock found now is a dead one.
     */
    private static void clearStaleLocks(Path dir) throws IOException {
        // Git locks the files at the top (packed-refs, config, HEAD, shallow) and the refs; objects are never locked,
        // so their thousands of files are not walked at every start.
        List<Path> locks = new ArrayList<>();
        try (var top = Files.list(dir)) {
            top.filter(GitMirror::isLock).forEach(locks::add);
        }
        if (Files.isDirectory(dir.resolve("refs"))) {
            try (var refs = Files.walk(dir.resolve("refs"))) {
                refs.filter(GitMirror::isLock).forEach(locks::add);
            }
        }
        for (Path lock : locks) {
            Files.deleteIfExists(lock);
            LOG.warn("removed {} from the Git mirror: a lock left by a process that stopped while writing",
                    dir.relativize(lock));
        }
    }

    private static boolean isLock(Path file) {
        return file.getFileName().toString().endsWith(".lock") && Files.isRegularFile(file);
    }

    private static RefSpec refSpec(GitSource source) {
        return new RefSpec("+" + source.ref() + ":" + source.ref());
    }

    /** The source this mirror follows. */
    public GitSource source() {
        return source;
    }

    /** The bare repository directory. */
    public Path directory() {
        return directory;
    }

    /** Where transport state (ssh {@code known_hosts}) lives: pass to {@link GitTransports#configure}. */
    public Path transportDir() {
        return transportDir;
    }

    /** The bare repository, for reading trees and blobs of fetched commits. */
    public Repository repository() {
        return repository;
    }

    /** The branch head the mirror currently holds, if any fetch ever succeeded. */
    public Optional<CommitInfo> head() {
        try {
            Ref ref = repository.exactRef(source.ref());
            return ref == null || ref.getObjectId() == null ? Optional.empty() : Optional.of(commit(ref.getObjectId()));
        } catch (IOException e) {
            LOG.warn("cannot read {} in the Git mirror {}: {}", source.ref(), directory, e.toString());
            return Optional.empty();
        }
    }

    /** Describes a commit held by the mirror. */
    public CommitInfo commit(ObjectId id) throws IOException {
        try (RevWalk walk = new RevWalk(repository)) {
            RevCommit c = walk.parseCommit(id);
            return new CommitInfo(c.copy(), c.getShortMessage(), Instant.ofEpochSecond(c.getCommitTime()));
        }
    }

    /**
     * Fetches the branch now. Never throws for network, authentication or missing-branch problems: those come
     * back as {@link FetchResult.Failed} naming the repository, with the previous head still usable.
     */
    public synchronized FetchResult fetch() {
        Optional<CommitInfo> before = head();
        String where = "branch '" + source.branch() + "' of " + source.displayUrl() + withKey(source);
        try (Git git = new Git(repository)) {
            FetchCommand fetch = git.fetch()
                    .setRemote(REMOTE)
                    .setRefSpecs(refSpec(source))
                    .setTimeout((int) Math.max(1, timeout.toSeconds()))
                    .setRemoveDeletedRefs(false);
            GitTransports.configure(fetch, source.credentials(), transportDir);
            var result = fetch.call();
            if (result.getAdvertisedRef(source.ref()) == null) {
                return new FetchResult.Failed("cannot fetch " + where + ": no such branch", before);
            }
            TrackingRefUpdate stored = result.getTrackingRefUpdate(source.ref());
            if (stored != null && !STORED.contains(stored.getResult())) {
                String message = "cannot fetch " + where + ": the fetched branch could not be stored ("
                        + stored.getResult() + ")";
                LOG.warn(message);
                return new FetchResult.Failed(message, before);
            }
        } catch (GitAPIException | IOException | RuntimeException e) {
            String message = "cannot fetch " + where + ": " + rootMessage(source, e);
            LOG.warn(message);
            return new FetchResult.Failed(message, before);
        }
        Optional<CommitInfo> after = head();
        if (after.isEmpty()) {
            return new FetchResult.Failed("cannot fetch " + where + ": the branch was not stored", before);
        }
        CommitInfo current = after.get();
        if (before.isPresent() && before.get().id().equals(current.id())) {
            return new FetchResult.UpToDate(current);
        }
        tidy();
        boolean forced = before.isPresent() && !descends(current.id(), before.get().id());
        if (forced) {
            LOG.info("{} was force-pushed: {} -> {}", where, before.get().shortName(), current.shortName());
        }
        return new FetchResult.Updated(before, current, forced);
    }

    /**
     * Repacks the mirror once it holds more than {@value #PACK_LIMIT} packs (Git's own {@code gc.autoPackLimit}):
     * every fetch adds one, so a mirror that followed thousands of pushes would otherwise hold thousands, and every
     * object lookup looks at each. Runs with the fetch lock held, so no fetch of this process runs alongside; loose
     * objects younger than two weeks (a write-back's commit not pushed yet) are kept.
     */
    private void tidy() {
        Path packs = directory.resolve("objects/pack");
        try (var files = Files.list(packs)) {
            if (files.filter(f -> f.getFileName().toString().endsWith(".pack")).count() <= PACK_LIMIT) {
                return;
            }
        } catch (IOException e) {
            return;
        }
        try (Git git = new Git(repository)) {
            git.gc().call();
            LOG.info("repacked the Git mirror in {}", directory);
        } catch (GitAPIException | RuntimeException e) {
            LOG.warn("cannot repack the Git mirror in {}: {}", directory, e.toString());
        }
    }

    private boolean descends(ObjectId child, ObjectId ancestor) {
        try (RevWalk walk = new RevWalk(repository)) {
            return walk.isMergedInto(walk.parseCommit(ancestor), walk.parseCommit(child));
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code " with ssh key <file>"} for ssh credentials, for error messages; empty otherwise. */
    public static String withKey(GitSource source) {
        return source.credentials() instanceof GitCredentials.SshKey k
                ? " with ssh key " + k.keyFile().toAbsolutePath().normalize()
                : "";
    }

    /**
     * The messages of {@code e} and its causes, each once, with the repository URL as configured (which may hold
     * user info) replaced by {@link GitSource#displayUrl()}.
     */
    public static String rootMessage(GitSource source, Throwable e) {
        return rootMessage(e).replace(source.repository(), source.displayUrl());
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
                sb.append(": ").append(c.getMessage());
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        repository.close();
    }
}
