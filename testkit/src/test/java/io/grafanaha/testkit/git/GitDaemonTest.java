package io.grafanaha.testkit.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitDaemonTest {

    @TempDir
    Path tmp;

    @Test
    void jgitClonesAndPushesOverGitProtocol() throws Exception {
        Files.createDirectories(tmp.resolve("seed"));
        Files.writeString(tmp.resolve("seed/home.json"), "{\"uid\":\"home\"}");
        try (GitDaemon daemon = GitDaemon.start(tmp.resolve("srv"))) {
            RemoteRepo repo = daemon.createRepository("dashboards", tmp.resolve("seed"), "shared/");
            assertThat(repo.url()).startsWith("git://127.0.0.1:");

            try (GitWorkspace ws = repo.cloneTo(tmp.resolve("c1"))) {
                assertThat(ws.readFile("shared/home.json")).contains("{\"uid\":\"home\"}");
                String pushed = ws.writeFile("shared/daemon.json", "{}").commitAndPush("over git://");
                assertThat(repo.head()).contains(pushed);
            }
            try (GitWorkspace other = repo.cloneToTemp()) {
                assertThat(other.readFile("shared/daemon.json")).contains("{}");
            }
            GitServerTest.git(tmp, "clone", "--quiet", repo.url(), tmp.resolve("cli").toString());
            assertThat(tmp.resolve("cli/shared/daemon.json")).exists();
        }
    }
}
