package io.grafanaha.testkit.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RemoteRefUpdate;

/**
 * A clone of a {@link RemoteRepo} used to act as a person editing dashboards in Git: write, delete, commit,
 * push, and rewrite history with a force push.
 */
public final class GitWorkspace implements AutoCloseable {

    private static final PersonIdent EDITOR = new PersonIdent("Dashboard Editor", "editor@grafana-ha-gateway.invalid");

    private final RemoteRepo remote;
    private final Path dir;
    private final Git git;
    private final boolean deleteOnClose;

    private GitWorkspace(RemoteRepo remote, Path dir, Git git, boolean deleteOnClose) {
        this.remote = remote;
        this.dir = dir;
        this.git = git;
        this.deleteOnClose = deleteOnClose;
    }

    static GitWorkspace cloneOf(RemoteRepo remote, Path dir, boolean deleteOnClose) {
        try {
            Git git = Git.cloneRepository()
                    .setURI(remote.url())
                    .setDirectory(dir.toFile())
                    .setBranch(BareRepositories.MAIN)
                    .setCredentialsProvider(remote.credentials())
                    .call();
            return new GitWorkspace(remote, dir, git, deleteOnClose);
        } catch (GitAPIException e) {
            throw new GitTestException("cannot clone " + remote.url() + " into " + dir, e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** The JGit handle, for anything this class does not wrap. */
    public Git git() {
        return git;
    }

    public GitWorkspace writeFile(String path, String content) {
        Path file = dir.resolve(path);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return this;
    }

    public GitWorkspace deleteFile(String path) {
        try {
            Files.delete(dir.resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path + " in " + dir, e);
        }
        return this;
    }

    /** The working-tree content of a file, empty if absent. */
    public Optional<String> readFile(String path) {
        Path file = dir.resolve(path);
        try {
            return Files.exists(file) ? Optional.of(Files.readString(file)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Stages every change (including deletions), commits and pushes to {@code main}; returns the commit id. */
    public String commitAndPush(String message) {
        RevCommit commit = commit(message, false);
        push(false);
        return commit.getName();
    }

    /** Commits and pushes with force, e.g. after {@link #resetHard(String)} to rewrite the branch. */
    public String commitAndForcePush(String message) {
        RevCommit commit = commit(message, false);
        push(true);
        return commit.getName();
    }

    /** Replaces the last commit with one holding the current changes and force-pushes it: a non-fast-forward. */
    public String amendAndForcePush(String message) {
        RevCommit commit = commit(message, true);
        push(true);
        return commit.getName();
    }

    /** Moves the local branch and working tree to {@code commitId}, discarding later commits locally. */
    public GitWorkspace resetHard(String commitId) {
        try {
            git.reset().setMode(ResetCommand.ResetType.HARD).setRef(commitId).call();
        } catch (GitAPIException e) {
            throw new GitTestException("cannot reset " + dir + " to " + commitId, e);
        }
        return this;
    }

    /** Force-pushes whatever the local branch holds now. */
    public void forcePush() {
        push(true);
    }

    /** Fetches and hard-resets to the server's {@code main}, as a user who discards local work. */
    public String pull() {
        try {
            git.fetch().setCredentialsProvider(remote.credentials()).setForceUpdate(true).call();
            git.reset().setMode(ResetCommand.ResetType.HARD).setRef("origin/" + BareRepositories.MAIN).call();
            return head();
        } catch (GitAPIException e) {
            throw new GitTestException("cannot pull " + remote.url() + " into " + dir, e);
        }
    }

    /** The local {@code HEAD} commit id. */
    public String head() {
        try {
            return git.getRepository().resolve("HEAD").getName();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve HEAD in " + dir, e);
        }
    }

    private RevCommit commit(String message, boolean amend) {
        try {
            git.add().addFilepattern(".").call();
            git.add().addFilepattern(".").setUpdate(true).call();
            return git.commit().setMessage(message).setAuthor(EDITOR).setCommitter(EDITOR)
                    .setAmend(amend).setAllowEmpty(true).call();
        } catch (GitAPIException e) {
            throw new GitTestException("cannot commit in " + dir, e);
        }
    }

    private void push(boolean force) {
        for (int tries = 1; ; tries++) {
            RemoteRefUpdate refused = pushOnce(force);
            if (refused == null) {
                return;
            }
            // The server answers "failed to lock" when another push moved or held the branch at that moment (JGit's
            // LOCK_FAILURE); a user pushes again, and so does this workspace, a few times.
            boolean lockFailure = refused.getStatus() == RemoteRefUpdate.Status.REJECTED_OTHER_REASON
                    && refused.getMessage() != null && refused.getMessage().contains("failed to lock");
            if (!lockFailure || tries == 3) {
                throw new GitTestException("push of " + refused.getRemoteName() + " to " + remote.url() + " was "
                        + refused.getStatus() + (refused.getMessage() == null ? "" : ": " + refused.getMessage()), null);
            }
        }
    }

    /** One push; the first ref update the server refused, or null when all went through. */
    private RemoteRefUpdate pushOnce(boolean force) {
        try {
            Iterable<PushResult> results = git.push()
                    .setRemote("origin")
                    .add(BareRepositories.MAIN)
                    .setForce(force)
                    .setCredentialsProvider(remote.credentials())
                    .call();
            for (PushResult result : results) {
                for (RemoteRefUpdate update : result.getRemoteUpdates()) {
                    RemoteRefUpdate.Status status = update.getStatus();
                    if (status != RemoteRefUpdate.Status.OK && status != RemoteRefUpdate.Status.UP_TO_DATE) {
                        return update;
                    }
                }
            }
            return null;
        } catch (GitAPIException e) {
            throw new GitTestException("cannot push " + dir + " to " + remote.url(), e);
        }
    }

    @Override
    public void close() {
        git.close();
        if (deleteOnClose) {
            deleteRecursively(dir);
        }
    }

    /**
     * JGit may still be finishing a background auto-gc in the repository when a test closes it ({@code gc.log.lock}
     * comes and goes): a file that vanishes during the walk is skipped, and the walk runs again while the directory
     * is still there.
     */
    static void deleteRecursively(Path root) {
        for (int attempt = 1; Files.exists(root); attempt++) {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                if (attempt == 5) {
                    throw new UncheckedIOException("cannot delete " + root,
                            e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
                }
            }
            if (attempt == 5) {
                return; // what a late background gc wrote in the temporary directory stays there
            }
        }
    }
}
