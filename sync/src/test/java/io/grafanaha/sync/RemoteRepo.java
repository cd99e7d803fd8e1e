package io.grafanaha.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;

/** A bare "remote" repository on disk, and a working clone that commits and pushes to it. */
public final class RemoteRepo implements AutoCloseable {
    private final Path bare;
    private final Git work;

    private RemoteRepo(Path bare, Git work) {
        this.bare = bare;
        this.work = work;
    }

    /** Creates {@code <dir>/remote.git} (HEAD on refs/heads/main) and a clone in {@code <dir>/work}. */
    public static RemoteRepo create(Path dir) {
        try {
            Path bare = dir.resolve("grafana-manifests.git");
            try (Git b = Git.init().setBare(true).setDirectory(bare.toFile()).call()) {
                RefUpdate head = b.getRepository().updateRef(Constants.HEAD);
                head.link("refs/heads/main");
                // JGit's receive-pack starts a gc on a background thread once a push leaves more than 50 packs;
                // it would still be repacking objects/pack when @TempDir deletes it (RemoteRepoTest). A test
                // remote is left exactly as the pushes wrote it, as testkit's BareRepositories does.
                var config = b.getRepository().getConfig();
                config.setBoolean("receive", null, "autogc", false);
                config.setInt("gc", null, "auto", 0);
                config.save();
            }
            Git work = Git.init().setDirectory(dir.resolve("work").toFile()).setInitialBranch("main").call();
            work.remoteAdd().setName("origin").setUri(new org.eclipse.jgit.transport.URIish(bare.toUri().toURL()))
                    .call();
            return new RemoteRepo(bare, work);
        } catch (GitAPIException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code file://} URL of the bare repository. */
    public String url() {
        return bare.toUri().toString();
    }

    public Path bareDirectory() {
        return bare;
    }

    public Path workDirectory() {
        return work.getRepository().getWorkTree().toPath();
    }

    public RemoteRepo write(String path, String content) {
        try {
            Path file = workDirectory().resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a test resource ({@code /dashboards/<name>}) to {@code path}. */
    public RemoteRepo writeResource(String path, String resource) {
        try (InputStream in = RemoteRepo.class.getResourceAsStream("/dashboards/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            return write(path, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RemoteRepo delete(String path) {
        try {
            Files.delete(workDirectory().resolve(path));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RemoteRepo symlink(String path, String target) {
        try {
            Path link = workDirectory().resolve(path);
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, Path.of(target));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stages everything, commits and pushes to main; returns the new commit. */
    public ObjectId commitAndPush(String message) {
        try {
            work.add().addFilepattern(".").call();
            work.add().addFilepattern(".").setUpdate(true).call();
            RevCommit c = work.commit().setMessage(message)
                    .setAuthor("Test", "test@example.invalid").setCommitter("Test", "test@example.invalid")
                    .setSign(false).call();
            work.push().setRemote("origin").setRefSpecs(new RefSpec("refs/heads/main:refs/heads/main")).call();
            return c.copy();
        } catch (GitAPIException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Resets main to {@code commit}, then commits {@code message} on it and force-pushes. */
    public ObjectId rewriteFrom(ObjectId commit, String path, String content, String message) {
        try {
            work.reset().setMode(ResetCommand.ResetType.HARD).setRef(commit.name()).call();
            write(path, content);
            work.add().addFilepattern(".").call();
            RevCommit c = work.commit().setMessage(message)
                    .setAuthor("Test", "test@example.invalid").setCommitter("Test", "test@example.invalid")
                    .setSign(false).call();
            work.push().setRemote("origin").setForce(true)
                    .setRefSpecs(new RefSpec("+refs/heads/main:refs/heads/main")).call();
            return c.copy();
        } catch (GitAPIException e) {
            throw new IllegalStateException(e);
        }
    }

    public Repository workRepository() {
        return work.getRepository();
    }

    @Override
    public void close() {
        work.close();
    }
}
