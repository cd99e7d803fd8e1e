package io.grafanaha.sync.git;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.git.GitWorkspace;
import io.grafanaha.testkit.git.RemoteRepo;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mirror against the testkit's smart-HTTP Git server on loopback, which demands a token. */
class GitMirrorOverHttpTest {
    private static final String TOKEN = "s3cret-token";
    @TempDir Path tmp;

    @Test
    void fetchesWithTheTokenAndKeepsTheHeadWhileTheServerIsDown() throws Exception {
        try (GitServer server = GitServer.startWithToken(tmp.resolve("server"), TOKEN)) {
            RemoteRepo remote = server.createRepository("grafana-manifests", null, "shared/");
            String first;
            try (GitWorkspace ws = remote.cloneTo(tmp.resolve("ws"))) {
                first = ws.writeFile("shared/a.json", "{}").commitAndPush("first");
            }
            GitSource source = new GitSource(remote.url(), "main", GitCredentials.Token.of(TOKEN));
            try (GitMirror mirror = GitMirror.open(tmp.resolve("data"), source)) {
                assertThat(mirror.fetch().head().orElseThrow().name()).isEqualTo(first);

                server.unavailable(true);
                FetchResult down = mirror.fetch();
                assertThat(down).isInstanceOf(FetchResult.Failed.class);
                assertThat(((FetchResult.Failed) down).error()).contains(remote.url());
                assertThat(down.head().orElseThrow().name()).isEqualTo(first);
                server.unavailable(false);
                assertThat(mirror.fetch()).isInstanceOf(FetchResult.UpToDate.class);
            }

            GitSource wrong = new GitSource(remote.url(), "main", GitCredentials.Token.of("wrong"));
            try (GitMirror mirror = GitMirror.open(tmp.resolve("data2"), wrong)) {
                FetchResult denied = mirror.fetch();
                assertThat(denied).isInstanceOf(FetchResult.Failed.class);
                assertThat(((FetchResult.Failed) denied).error()).doesNotContain("wrong");
            }
        }
    }
}
