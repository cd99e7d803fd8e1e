package io.grafanaha.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The demo's banner gives the ops page's admin token, and the token is the one the admin API takes. */
class DemoTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void theBannerPrintsAnAdminTokenThatTheOpsActionsAccept() throws Exception {
        try (Demo demo = Demo.start(0, 0)) {
            String token = demo.adminToken();
            assertThat(token).startsWith("demo-").hasSizeGreaterThan(20);
            assertThat(demo.instructions()).contains("admin token: " + token).contains("sign in as admin / admin");

            String sync = "http://127.0.0.1:" + demo.gateway().adminPort() + "/api/sync";
            assertThat(post(sync, null).statusCode()).as("without the token").isEqualTo(401);
            assertThat(post(sync, "Bearer " + token).statusCode()).as("with the printed token").isEqualTo(202);
        }
    }

    private HttpResponse<String> post(String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
