package io.grafanaha.testkit.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/** Creates, seeds and reads bare repositories on disk, whichever server later serves them. */
final class BareRepositories {

    static final String MAIN = "main";

    private BareRepositories() {
    }

    /** A fresh bare repository whose HEAD names {@code main}, as hosted Git services create them. */
    static void create(Path bareDir) {
        try (Repository repo = FileRepositoryBuilder.create(bareDir.toFile())) {
            repo.create(true);
            // JGit's receive-pack starts a background gc after a push once enough packs pile up (a few dozen
            // pushes), and that gc can delete the index of a pack another push is still installing: the branch
            // then names a commit the server cannot read ("Missing unknown <id>"), and every later fetch fails.
            // Tests push far more often than a real host does; hosted Git runs its own gc safely.
            StoredConfig config = repo.getConfig();
            config.setBoolean("receive", null, "autogc", false);
            config.setInt("gc", null, "auto", 0);
            config.save();
            RefUpdate head = repo.updateRef(Constants.HEAD);
            head.link(Constants.R_HEADS + MAIN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create bare repository " + bareDir, e);
        }
    }

    /**
     * Writes one commit on {@code main} straight into the object database: no working tree, so the seed is
     * on the server before any client exists. Files of {@code seedFolder} (may be null) go under
     * {@code pathInRepo}.
     */
    static ObjectId seed(Path bareDir, Path seedFolder, String pathInRepo) {
        String prefix = normalizePrefix(pathInRepo);
        try (Repository repo = open(bareDir); ObjectInserter inserter = repo.newObjectInserter()) {
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            for (Path file : seedFiles(seedFolder)) {
                String relative = seedFolder.relativize(file).toString().replace('\\', '/');
                DirCacheEntry entry = new DirCacheEntry(prefix + relative);
                entry.setFileMode(FileMode.REGULAR_FILE);
                entry.setObjectId(inserter.insert(Constants.OBJ_BLOB, Files.readAllBytes(file)));
                builder.add(entry);
            }
            builder.finish();
            ObjectId tree = index.writeTree(inserter);
            CommitBuilder commit = new CommitBuilder();
            PersonIdent seeder = new PersonIdent("Seed", "seed@grafana-ha-gateway.invalid");
            commit.setAuthor(seeder);
            commit.setCommitter(seeder);
            commit.setTreeId(tree);
            commit.setMessage("Seed " + (seedFolder == null ? "empty repository" : seedFolder.getFileName()) + "\n");
            ObjectId commitId = inserter.insert(commit);
            inserter.flush();
            RefUpdate update = repo.updateRef(Constants.R_HEADS + MAIN);
            update.setNewObjectId(commitId);
            update.setExpectedOldObjectId(ObjectId.zeroId());
            RefUpdate.Result result = update.update();
            if (result != RefUpdate.Result.NEW) {
                throw new IllegalStateException("seeding " + bareDir + " failed: " + result);
            }
            return commitId;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot seed " + bareDir + " from " + seedFolder, e);
        }
    }

    static Optional<ObjectId> head(Path bareDir, String branch) {
        try (Repository repo = open(bareDir)) {
            return Optional.ofNullable(repo.resolve(Constants.R_HEADS + branch));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + branch + " of " + bareDir, e);
        }
    }

    static Optional<String> readFile(Path bareDir, String ref, String path) {
        try (Repository repo = open(bareDir); RevWalk walk = new RevWalk(repo)) {
            ObjectId id = repo.resolve(ref);
            if (id == null) {
                throw new IllegalArgumentException("no ref " + ref + " in " + bareDir);
            }
            RevCommit commit = walk.parseCommit(id);
            try (TreeWalk tree = TreeWalk.forPath(repo, path, commit.getTree())) {
                if (tree == null) {
                    return Optional.empty();
                }
                byte[] bytes = repo.open(tree.getObjectId(0), Constants.OBJ_BLOB).getBytes();
                return Optional.of(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " at " + ref + " in " + bareDir, e);
        }
    }

    static List<CommitInfo> log(Path bareDir, String ref) {
        try (Repository repo = open(bareDir); RevWalk walk = new RevWalk(repo)) {
            ObjectId id = repo.resolve(ref);
            List<CommitInfo> commits = new ArrayList<>();
            if (id == null) {
                return commits;
            }
            walk.markStart(walk.parseCommit(id));
            for (RevCommit commit : walk) {
                commits.add(CommitInfo.of(commit));
            }
            return commits;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read log of " + ref + " in " + bareDir, e);
        }
    }

    static Repository open(Path bareDir) throws IOException {
        return new FileRepositoryBuilder().setGitDir(bareDir.toFile()).setMustExist(true).build();
    }

    private static String normalizePrefix(String pathInRepo) {
        if (pathInRepo == null || pathInRepo.isBlank() || pathInRepo.equals("/")) {
            return "";
        }
        String trimmed = pathInRepo.replace('\\', '/').replaceAll("^/+", "").replaceAll("/+$", "");
        return trimmed + "/";
    }

    private static List<Path> seedFiles(Path seedFolder) throws IOException {
        if (seedFolder == null) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(seedFolder)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
