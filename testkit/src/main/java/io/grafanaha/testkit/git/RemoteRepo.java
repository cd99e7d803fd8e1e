package io.grafanaha.testkit.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * A repository hosted by a {@link GitServer} or {@link GitDaemon}: its clone URL and its bare directory on disk,
 * so tests can both act as a Git user and look behind the server's back.
 *
 * @param token the password the server wants, empty when it allows anonymous access
 */
public record RemoteRepo(String name, String url, Path bareDir, Optional<String> token) {

    /** Credentials a client of this repository needs; null when the server is anonymous, as JGit expects. */
    public CredentialsProvider credentials() {
        return token.map(t -> (CredentialsProvider) new UsernamePasswordCredentialsProvider("gateway", t))
                .orElse(null);
    }

    /** The id of {@code main} on the server, empty before the first commit. */
    public Optional<String> head() {
        return head(BareRepositories.MAIN);
    }

    public Optional<String> head(String branch) {
        return BareRepositories.head(bareDir, branch).map(id -> id.getName());
    }

    /** A file's content at {@code ref} (a branch, tag or commit id) read from the bare repository. */
    public Optional<String> readFile(String ref, String path) {
        return BareRepositories.readFile(bareDir, ref, path);
    }

    /** Commits reachable from {@code main}, newest first. */
    public List<CommitInfo> log() {
        return BareRepositories.log(bareDir, "refs/heads/" + BareRepositories.MAIN);
    }

    /** Clones into {@code dir}; the workspace leaves the folder in place on close. */
    public GitWorkspace cloneTo(Path dir) {
        return GitWorkspace.cloneOf(this, dir, false);
    }

    /** Clones into a new temporary folder that {@link GitWorkspace#close()} deletes. */
    public GitWorkspace cloneToTemp() {
        try {
            return GitWorkspace.cloneOf(this, Files.createTempDirectory("ws-" + name), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder to clone " + url, e);
        }
    }
}
