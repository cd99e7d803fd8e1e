package io.grafanaha.sync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decides whether a webhook delivery ({@code POST /_gateway/webhook}) is an authentic push to the followed branch.
 * Pure: no I/O, no state; the gateway passes the request's headers and raw body and acts on the {@link WebhookResult}.
 *
 * <p>The signature (or GitLab's token) is checked before anything in the body is trusted, with constant-time
 * comparison. GitHub {@code ping} and any other event are {@link WebhookResult.Ignored}; so is a push to another
 * branch. Without a configured secret every delivery is {@link WebhookResult.Unauthorized}.
 *
 * @param secret {@code sync.webhook-secret}
 * @param branch {@code sync.branch}
 */
public record WebhookVerifier(String secret, String branch) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public WebhookVerifier {
        Objects.requireNonNull(branch, "branch");
    }

    /**
     * @param headers the request headers; names are matched case-insensitively
     * @param body the raw request body, exactly as received (the signature covers these bytes)
     */
    public WebhookResult verify(Map<String, String> headers, byte[] body) {
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> {
            if (k != null && v != null) {
                h.put(k, v.trim());
            }
        });
        if (secret == null || secret.isEmpty()) {
            return new WebhookResult.Unauthorized("no webhook secret is configured (sync.webhook-secret)");
        }
        if (h.containsKey("X-GitHub-Event")) {
            return github(h, body);
        }
        if (h.containsKey("X-Forgejo-Event") || h.containsKey("X-Gitea-Event")) {
            return gitea(h, body);
        }
        if (h.containsKey("X-Gitlab-Event")) {
            return gitlab(h, body);
        }
        return new WebhookResult.Unauthorized("no X-GitHub-Event, X-Gitea-Event, X-Forgejo-Event or X-Gitlab-Event "
                + "header: not a known Git host's webhook");
    }

    private WebhookResult github(Map<String, String> h, byte[] body) {
        String signature = h.get("X-Hub-Signature-256");
        if (signature == null) {
            return new WebhookResult.Unauthorized("GitHub webhook without X-Hub-Signature-256");
        }
        if (!signature.startsWith("sha256=") || !hmacMatches(signature.substring(7), body)) {
            return new WebhookResult.Unauthorized("GitHub webhook: X-Hub-Signature-256 does not match the secret");
        }
        return push(WebhookProvider.GITHUB, h.get("X-GitHub-Event"), "push", body);
    }

    private WebhookResult gitea(Map<String, String> h, byte[] body) {
        boolean forgejo = h.containsKey("X-Forgejo-Event");
        WebhookProvider provider = forgejo ? WebhookProvider.FORGEJO : WebhookProvider.GITEA;
        String signature = Optional.ofNullable(h.get("X-Forgejo-Signature")).orElse(h.get("X-Gitea-Signature"));
        if (signature == null) {
            return new WebhookResult.Unauthorized(provider + " webhook without X-Gitea-Signature or "
                    + "X-Forgejo-Signature");
        }
        if (!hmacMatches(signature, body)) {
            return new WebhookResult.Unauthorized(provider + " webhook: the signature does not match the secret");
        }
        String event = forgejo ? h.get("X-Forgejo-Event") : h.get("X-Gitea-Event");
        return push(provider, event, "push", body);
    }

    private WebhookResult gitlab(Map<String, String> h, byte[] body) {
        String token = h.get("X-Gitlab-Token");
        if (token == null) {
            return new WebhookResult.Unauthorized("GitLab webhook without X-Gitlab-Token");
        }
        if (!MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8))) {
            return new WebhookResult.Unauthorized("GitLab webhook: X-Gitlab-Token does not match the secret");
        }
        return push(WebhookProvider.GITLAB, h.get("X-Gitlab-Event"), "Push Hook", body);
    }

    /** An authenticated delivery: a push to our branch is accepted, anything else ignored. */
    private WebhookResult push(WebhookProvider provider, String event, String pushEvent, byte[] body) {
        if (!pushEvent.equalsIgnoreCase(event)) {
            return new WebhookResult.Ignored(provider + " event '" + event + "' is not a push");
        }
        JsonNode json;
        try {
            json = MAPPER.readTree(body);
        } catch (IOException e) {
            return new WebhookResult.Ignored(provider + " push body is not JSON");
        }
        String ref = json == null ? "" : json.path("ref").asText("");
        String wanted = "refs/heads/" + branch;
        if (!ref.equals(wanted)) {
            return new WebhookResult.Ignored(provider + " push to '" + ref + "', not " + wanted);
        }
        return new WebhookResult.Accepted(provider, ref, json.path("after").asText(""));
    }

    private boolean hmacMatches(String hexSignature, byte[] body) {
        byte[] given;
        try {
            given = HexFormat.of().parseHex(hexSignature.toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(hmacSha256(secret, body), given);
    }

    /** HMAC-SHA256 of {@code body} keyed with {@code secret} (UTF-8). */
    public static byte[] hmacSha256(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
