package io.grafanaha.gateway.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.proxy.LocalHandler;
import io.grafanaha.gateway.proxy.LocalRequest;
import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.gateway.proxy.LocalRoutes;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.webhook.WebhookResult;
import io.grafanaha.sync.webhook.WebhookVerifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /_gateway/webhook} on the public listener, where GitHub, Gitea/Forgejo and GitLab announce
 * a push. A verified push to the configured branch starts a sync at once; the answer does not wait for it.
 */
final class WebhookRoute implements LocalRoutes, LocalHandler {
    static final String PATH = LocalRoutes.PREFIX + "webhook";
    private static final Logger log = LoggerFactory.getLogger(WebhookRoute.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebhookVerifier verifier;
    private final SyncService sync;

    WebhookRoute(WebhookVerifier verifier, SyncService sync) {
        this.verifier = verifier;
        this.sync = sync;
    }

    @Override
    public Optional<LocalHandler> route(String method, String path) {
        return "POST".equals(method) && PATH.equals(path) ? Optional.of(this) : Optional.empty();
    }

    @Override
    public CompletableFuture<LocalResponse> handle(LocalRequest request) {
        WebhookResult result = verifier.verify(firstValues(request.headers()), request.body());
        String message;
        if (result instanceof WebhookResult.Accepted accepted) {
            log.info("webhook from {}: push to {} ({}), syncing now", accepted.provider(), accepted.ref(), accepted.after());
            sync.requestSyncOfChange("webhook " + accepted.provider());
            message = "sync started";
        } else if (result instanceof WebhookResult.Unauthorized u) {
            log.warn("webhook refused: {}", u.reason());
            message = u.reason();
        } else {
            message = ((WebhookResult.Ignored) result).reason();
        }
        return CompletableFuture.completedFuture(LocalResponse.json(result.httpStatus(), JSON.createObjectNode().put("message", message).toString()));
    }

    private static Map<String, String> firstValues(Map<String, List<String>> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach((name, values) -> {
            if (!values.isEmpty()) {
                out.put(name, values.get(0));
            }
        });
        return out;
    }
}
