package io.grafanaha.testkit.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitServerTest {

    @TempDir
    Path tmp;

    private GitServer server;
    private RemoteRepo repo;

    @BeforeEach
    void startServer() throws IOException {
        Path seed = Files.createDirectories(tmp.resolve("seed/folder"));
        Files.writeString(tmp.resolve("seed/home.json"), "{\"uid\":\"home\"}");
        Files.writeString(seed.resolve("cpu.json"), "{\"uid\":\"cpu\"}");
        server = GitServer.start(tmp.resolve("srv"));
        repo = server.createRepository("dashboards", tmp.resolve("seed"), "shared/");
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void jgitCloneSeesSeededFilesUnderPathInRepo() {
        try (GitWorkspace ws = repo.cloneTo(tmp.resolve("c1"))) {
            assertThat(ws.readFile("shared/home.json")).contains("{\"uid\":\"home\"}");
            assertThat(ws.readFile("shared/folder/cpu.json")).contains("{\"uid\":\"cpu\"}");
            assertThat(ws.head()).isEqualTo(repo.head().orElseThrow());
        }
        assertThat(repo.url()).matches("http://127\\.0\\.0\\.1:\\d+/git/dashboards\\.git");
        assertThat(repo.log()).hasSize(1);
    }

    @Test
    void pushByOneWorkspaceIsFetchedByAnother() {
        try (GitWorkspace alice = repo.cloneTo(tmp.resolve("alice")); GitWorkspace bob = repo.cloneToTemp()) {
            String pushed = alice.writeFile("shared/new.json", "{\"uid\":\"new\"}")
                    .deleteFile("shared/home.json")
                    .commitAndPush("Add new, drop home");

            assertThat(repo.head()).contains(pushed);
            assertThat(repo.readFile("main", "shared/new.json")).contains("{\"uid\":\"new\"}");
            assertThat(repo.readFile("main", "shared/home.json")).isEmpty();
            assertThat(server.pushCount("dashboards")).isEqualTo(1);

            assertThat(bob.pull()).isEqualTo(pushed);
            assertThat(bob.readFile("shared/new.json")).contains("{\"uid\":\"new\"}");
            assertThat(bob.readFile("shared/home.json")).isEmpty();
        }
    }

    @Test
    void forcePushIsANonFastForwardHeadChange() {
        try (GitWorkspace ws = repo.cloneToTemp()) {
            String seeded = repo.head().orElseThrow();
            String first = ws.writeFile("shared/a.json", "1").commitAndPush("a");
            String rewritten = ws.resetHard(seeded).writeFile("shared/b.json", "2").commitAndForcePush("b instead");

            assertThat(repo.head()).contains(rewritten);
            List<String> history = repo.log().stream().map(CommitInfo::id).toList();
            assertThat(history).containsExactly(rewritten, seeded).doesNotContain(first);
            assertThat(repo.readFile(first, "shared/a.json")).contains("1");

            String amended = ws.writeFile("shared/c.json", "3").amendAndForcePush("amended");
            assertThat(repo.log().get(0).id()).isEqualTo(amended);
            assertThat(repo.log().get(0).parents()).containsExactly(seeded);
        }
    }

    @Test
    void gitCliClonesAndPushes() throws Exception {
        Path clone = tmp.resolve("cli");
        git(tmp, "clone", "--quiet", repo.url(), clone.toString());
        assertThat(clone.resolve("shared/home.json")).hasContent("{\"uid\":\"home\"}");

        Files.writeString(clone.resolve("shared/cli.json"), "{}");
        git(clone, "add", "-A");
        git(clone, "-c", "user.name=cli", "-c", "user.email=cli@x.invalid", "commit", "--quiet", "-m", "from cli");
        git(clone, "push", "--quiet", "origin", "HEAD:main");

        assertThat(repo.readFile("main", "shared/cli.json")).contains("{}");
        assertThat(repo.log().get(0).shortMessage()).isEqualTo("from cli");
    }

    @Test
    void tokenAuthRejectsWrongTokenAndAcceptsRightOne() {
        try (GitServer secured = GitServer.startWithToken(tmp.resolve("secure"), "s3cret")) {
            RemoteRepo secret = secured.createRepository("private", tmp.resolve("seed"), "shared");

            assertThatThrownBy(() -> Git.cloneRepository().setURI(secret.url())
                    .setDirectory(tmp.resolve("wrong").toFile())
                    .setCredentialsProvider(new UsernamePasswordCredentialsProvider("x", "wrong"))
                    .call().close())
                    .isInstanceOf(TransportException.class);
            assertThatThrownBy(() -> Git.cloneRepository().setURI(secret.url())
                    .setDirectory(tmp.resolve("none").toFile()).call().close())
                    .isInstanceOf(TransportException.class);

            try (GitWorkspace ws = secret.cloneTo(tmp.resolve("right"))) {
                assertThat(ws.readFile("shared/home.json")).isPresent();
                ws.writeFile("shared/x.json", "x").commitAndPush("with token");
            }
            assertThat(secured.pushCount()).isEqualTo(1);
        }
    }

    @Test
    void unavailableServerFailsFetchUntilBackUp() throws Exception {
        try (GitWorkspace ws = repo.cloneToTemp()) {
            server.unavailable(true);
            assertThatThrownBy(() -> ws.git().fetch().call()).isInstanceOf(TransportException.class);

            server.unavailable(false);
            assertThat(ws.git().fetch().call().getAdvertisedRefs()).isNotEmpty();
        }
    }

    static void git(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("git %s: %s", command, output).isZero();
    }
}
