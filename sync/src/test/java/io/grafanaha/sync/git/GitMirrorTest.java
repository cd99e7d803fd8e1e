package io.grafanaha.sync.git;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.sync.RemoteRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitMirrorTest {
    @TempDir Path tmp;
    RemoteRepo remote;

    @BeforeEach
    void setUp() {
        remote = RemoteRepo.create(tmp.resolve("remote"));
    }

    @AfterEach
    void tearDown() {
        remote.close();
    }

    private GitMirror mirror(String url) throws Exception {
        return GitMirror.open(tmp.resolve("data"), new GitSource(url, "main", GitCredentials.none()));
    }

    @Test
    void firstFetchClonesAndLaterFetchSeesNewCommits() throws Exception {
        ObjectId first = remote.write("shared/a.txt", "one").commitAndPush("first");
        try (GitMirror mirror = mirror(remote.url())) {
            assertThat(mirror.head()).isEmpty();
            FetchResult r1 = mirror.fetch();
            assertThat(r1).isInstanceOf(FetchResult.Updated.class);
            assertThat(r1.head().orElseThrow().id()).isEqualTo(first);
            assertThat(mirror.directory()).isEqualTo(tmp.resolve("data/mirror").toAbsolutePath());
            assertThat(mirror.repository().isBare()).isTrue();

            assertThat(mirror.fetch()).isInstanceOf(FetchResult.UpToDate.class);

            ObjectId second = remote.write("shared/a.txt", "two").commitAndPush("second change");
            FetchResult r2 = mirror.fetch();
            assertThat(r2).isInstanceOfSatisfying(FetchResult.Updated.class, u -> {
                assertThat(u.current().id()).isEqualTo(second);
                assertThat(u.current().subject()).isEqualTo("second change");
                assertThat(u.previous().orElseThrow().id()).isEqualTo(first);
                assertThat(u.forced()).isFalse();
            });
            assertThat(read(mirror, second, "shared/a.txt")).isEqualTo("two");
        }
    }

    @Test
    void aMirrorThatFollowsManyPushesIsRepackedInsteadOfKeepingAPackPerFetch() throws Exception {
        try (GitMirror mirror = mirror(remote.url())) {
            ObjectId last = null;
            for (int i = 0; i < 60; i++) {
                last = remote.write("shared/a.txt", "change " + i).commitAndPush("change " + i);
                assertThat(mirror.fetch()).isInstanceOf(FetchResult.Updated.class);
            }

            try (var packs = Files.list(mirror.directory().resolve("objects/pack"))) {
                assertThat(packs.filter(p -> p.toString().endsWith(".pack")).count())
                        .as("packs after 60 fetches (Git's gc.autoPackLimit is 50)").isLessThanOrEqualTo(50);
            }
            assertThat(read(mirror, last, "shared/a.txt")).isEqualTo("change 59");
            assertThat(mirror.fetch()).isInstanceOf(FetchResult.UpToDate.class);
        }
    }

    @Test
    void reopeningAnExistingMirrorKeepsItsHead() throws Exception {
        ObjectId first = remote.write("a.txt", "one").commitAndPush("first");
        try (GitMirror mirror = mirror(remote.url())) {
            mirror.fetch();
        }
        try (GitMirror again = mirror(remote.url())) {
            assertThat(again.head().orElseThrow().id()).isEqualTo(first);
        }
    }

    /**
     * A gateway killed (kill -9, power loss) while Git wrote a ref leaves that ref's lock file behind. Git never
     * removes such a lock itself, so every later fetch failed to store the branch, and the write-back of a delete
     * made while the gateway was down was retried for ever (GatewayProcessesTest). The mirror is this process's
     * own (one gateway per data directory): opening it clears what a dead process left.
     */
    @Test
    void locksLeftByAKilledProcessDoNotStopTheNextStartFromFetching() throws Exception {
        ObjectId first = remote.write("a.txt", "one").commitAndPush("first");
        Path dir;
        try (GitMirror mirror = mirror(remote.url())) {
            mirror.fetch();
            dir = mirror.directory();
        }
        Files.writeString(dir.resolve("refs/heads/main.lock"), first.name() + "\n");
        Files.writeString(dir.resolve("packed-refs.lock"), "");
        ObjectId second = remote.write("a.txt", "two").commitAndPush("second");

        try (GitMirror again = mirror(remote.url())) {
            assertThat(again.fetch()).isInstanceOfSatisfying(FetchResult.Updated.class,
                    u -> assertThat(u.current().id()).isEqualTo(second));
            assertThat(again.head().orElseThrow().id()).isEqualTo(second);
        }
        assertThat(dir.resolve("refs/heads/main.lock")).doesNotExist();
        assertThat(dir.resolve("packed-refs.lock")).doesNotExist();
    }

    /** A branch a fetch could not store is a failure that says so, not "up to date" with the old head. */
    @Test
    void aFetchWhoseBranchCannotBeStoredFailsAndKeepsThePreviousHead() throws Exception {
        ObjectId first = remote.write("a.txt", "one").commitAndPush("first");
        try (GitMirror mirror = mirror(remote.url())) {
            mirror.fetch();
            Path lock = mirror.directory().resolve("refs/heads/main.lock");
            Files.writeString(lock, first.name() + "\n"); // held by someone else while this process runs
            ObjectId second = remote.write("a.txt", "two").commitAndPush("second");

            assertThat(mirror.fetch()).isInstanceOfSatisfying(FetchResult.Failed.class, f -> {
                assertThat(f.error()).contains("could not be stored (LOCK_FAILURE)");
                assertThat(f.head().orElseThrow().id()).isEqualTo(first);
            });

            Files.delete(lock);
            assertThat(mirror.fetch()).isInstanceOfSatisfying(FetchResult.Updated.class,
                    u -> assertThat(u.current().id()).isEqualTo(second));
        }
    }

    @Test
    void forcePushedBranchIsFollowed() throws Exception {
        ObjectId base = remote.write("a.txt", "base").commitAndPush("base");
        remote.write("a.txt", "doomed").commitAndPush("doomed");
        try (GitMirror mirror = mirror(remote.url())) {
            mirror.fetch();
            ObjectId rewritten = remote.rewriteFrom(base, "a.txt", "rewritten", "rewritten history");
            FetchResult r = mirror.fetch();
            assertThat(r).isInstanceOfSatisfying(FetchResult.Updated.class, u -> {
                assertThat(u.current().id()).isEqualTo(rewritten);
                assertThat(u.forced()).isTrue();
            });
            assertThat(read(mirror, rewritten, "a.txt")).isEqualTo("rewritten");
        }
    }

    @Test
    void unreachableRepositoryIsReportedAndPreviousHeadStaysReadable() throws Exception {
        ObjectId first = remote.write("shared/a.txt", "kept").commitAndPush("first");
        Path moved = tmp.resolve("moved.git");
        try (GitMirror mirror = mirror(remote.url())) {
            mirror.fetch();
            Files.move(remote.bareDirectory(), moved);
            FetchResult r = mirror.fetch();
            assertThat(r).isInstanceOfSatisfying(FetchResult.Failed.class, f -> {
                assertThat(f.error()).contains("cannot fetch branch 'main' of " + remote.url());
                assertThat(f.head().orElseThrow().id()).isEqualTo(first);
            });
            assertThat(mirror.head().orElseThrow().id()).isEqualTo(first);
            assertThat(read(mirror, first, "shared/a.txt")).isEqualTo("kept");
        }
    }

    @Test
    void missingBranchIsReportedNotThrown() throws Exception {
        remote.write("a.txt", "x").commitAndPush("first");
        try (GitMirror mirror = GitMirror.open(tmp.resolve("data"),
                new GitSource(remote.url(), "nope", GitCredentials.none()))) {
            FetchResult r = mirror.fetch();
            assertThat(r).isInstanceOf(FetchResult.Failed.class);
            assertThat(((FetchResult.Failed) r).error()).contains("branch 'nope'");
            assertThat(r.head()).isEmpty();
        }
    }

    @Test
    void repositoryNameAndDisplayUrlHideTheToken() {
        GitSource s = new GitSource("https://user:secret@git.example.com/org/grafana-manifests.git", "main",
                GitCredentials.Token.of("t"));
        assertThat(s.repositoryName()).isEqualTo("grafana-manifests");
        assertThat(s.displayUrl()).isEqualTo("https://git.example.com/org/grafana-manifests.git");
        assertThat(new GitSource("git@github.com:org/dash", "main", GitCredentials.none()).repositoryName())
                .isEqualTo("dash");
        assertThat(GitCredentials.Token.of("secret").toString()).doesNotContain("secret");
    }

    private static String read(GitMirror mirror, ObjectId commit, String path) throws Exception {
        try (RevWalk walk = new RevWalk(mirror.repository());
                TreeWalk tw = TreeWalk.forPath(mirror.repository(), path, walk.parseCommit(commit).getTree())) {
            return new String(mirror.repository().open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
        }
    }
}
