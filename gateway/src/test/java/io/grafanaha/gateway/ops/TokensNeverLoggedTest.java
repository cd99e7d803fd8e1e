package io.grafanaha.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No secret from the configuration, nor a token a caller presents, ever reaches a log line. */
class TokensNeverLoggedTest {
    private static final String ADMIN_TOKEN = "adm1n-secret-AAAA-never-logged";
    private static final String WRONG_TOKEN = "wr0ng-guess-BBBB-never-logged";
    private static final String API_TOKEN_A = "glsa_api-token-a-CCCC-never-logged";
    private static final String API_TOKEN_B = "glsa_api-token-b-DDDD-never-logged";
    private static final String GIT_TOKEN = "ghp_git-token-EEEE-never-logged";
    private static final String WEBHOOK_SECRET = "webhook-secret-FFFF-never-logged";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void tokensFromTheConfigurationAndFromCallersNeverAppearInTheLog() throws Exception {
        String log;
        try (LogCapture capture = new LogCapture()) {
            try (Rig rig = Rig.builder(dir)
                    .seedFiles(Map.of("cpu.json", "{\"uid\":\"cpu\",\"title\":\"CPU\",\"schemaVersion\":39,\"panels\":[]}"))
                    .adminToken(ADMIN_TOKEN).apiTokens(API_TOKEN_A, API_TOKEN_B).environment(Map.of("GIT_TOKEN", GIT_TOKEN))
                    .settings(Rig.FAST_HEALTH + """
                            failback:
                              mode: manual
                            """)
                    .syncSettings("""
                            interval: 1h
                            git-token: ${GIT_TOKEN}
                            webhook-secret: %s
                            """.formatted(WEBHOOK_SECRET))
                    .start()) {
                Gateway gateway = rig.startGateway();
                await().atMost(Duration.ofSeconds(10)).until(() -> gateway.sync().orElseThrow().isFresh("grafana-a")
                        && gateway.sync().orElseThrow().isFresh("grafana-b"));
                String admin = "http://127.0.0.1:" + gateway.adminPort();
                String front = "http://127.0.0.1:" + gateway.port();

                assertThat(post(admin + "/api/failover", WRONG_TOKEN, "{\"to\":\"grafana-b\"}").statusCode()).isEqualTo(401);
                assertThat(post(admin + "/api/failover", ADMIN_TOKEN + "x", "{\"to\":\"grafana-b\"}").statusCode()).isEqualTo(401);
                assertThat(post(admin + "/api/failover", ADMIN_TOKEN, "{\"to\":\"grafana-x\"}").statusCode()).isEqualTo(404);
                // 200, or 409 should a loaded machine have marked grafana-b down: either way the token was taken.
                assertThat(post(admin + "/api/failover", ADMIN_TOKEN, "{\"to\":\"grafana-b\"}").statusCode()).isIn(200, 409);
                assertThat(post(admin + "/api/backends/grafana-a/drain", WRONG_TOKEN, null).statusCode()).isEqualTo(401);
                assertThat(post(admin + "/api/sync", ADMIN_TOKEN, null).statusCode()).isEqualTo(202);
                assertThat(post(front + "/_gateway/webhook", WEBHOOK_SECRET, "{\"ref\":\"refs/heads/main\"}").statusCode())
                        .isEqualTo(401);
                // Through the proxy, with a Grafana token in the header: forwarded (200, or 401 from the backend
                // whose token it is not), never logged.
                assertThat(get(front + "/api/search", API_TOKEN_B).statusCode()).isIn(200, 401);
                await().atMost(Duration.ofSeconds(10)).until(() -> capture.text().contains("admin sync requested by"));
            }
            log = capture.text();
        }
        // Kept for whoever wants to see what was checked: every logger at DEBUG, as text and as JSON.
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "tokens-never-logged.log"), log);

        assertThat(log).as("the capture saw the admin calls").contains("admin action from").contains("-> 401")
                .contains("failover to=grafana-b -> ");
        for (String secret : List.of(ADMIN_TOKEN, WRONG_TOKEN, API_TOKEN_A, API_TOKEN_B, GIT_TOKEN, WEBHOOK_SECRET)) {
            // Also no recognisable part of one (a prefix the log might have truncated to).
            assertThat(log).as("the log must not contain " + secret).doesNotContain(secret).doesNotContain(secret.substring(0, 12));
        }
    }

    private HttpResponse<String> post(String url, String token, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + token)
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }
}
