package io.grafanaha.sync.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Push webhooks of each Git host, signed with real HMACs computed here. */
class WebhookVerifierTest {
    static final String SECRET = "s3cret-webhook";
    static final String AFTER = "0123456789abcdef0123456789abcdef01234567";
    static final byte[] MAIN_PUSH = body("refs/heads/main");
    final WebhookVerifier verifier = new WebhookVerifier(SECRET, "main");

    @Test
    void githubPushToTheBranchIsAccepted() {
        WebhookResult r = verifier.verify(Map.of("x-github-event", "push",
                "X-HUB-SIGNATURE-256", "sha256=" + hmac(SECRET, MAIN_PUSH)), MAIN_PUSH);

        assertThat(r).isEqualTo(new WebhookResult.Accepted(WebhookProvider.GITHUB, "refs/heads/main", AFTER));
        assertThat(r.httpStatus()).isEqualTo(202);
    }

    @Test
    void githubWithAWrongOrMissingSignatureIsUnauthorized() {
        WebhookResult wrong = verifier.verify(Map.of("X-GitHub-Event", "push",
                "X-Hub-Signature-256", "sha256=" + hmac("other", MAIN_PUSH)), MAIN_PUSH);
        WebhookResult noPrefix = verifier.verify(Map.of("X-GitHub-Event", "push",
                "X-Hub-Signature-256", hmac(SECRET, MAIN_PUSH)), MAIN_PUSH);
        WebhookResult missing = verifier.verify(Map.of("X-GitHub-Event", "push"), MAIN_PUSH);
        WebhookResult tampered = verifier.verify(Map.of("X-GitHub-Event", "push",
                "X-Hub-Signature-256", "sha256=" + hmac(SECRET, MAIN_PUSH)), body("refs/heads/mainx"));

        assertThat(wrong).isInstanceOf(WebhookResult.Unauthorized.class);
        assertThat(wrong.httpStatus()).isEqualTo(401);
        assertThat(noPrefix).isInstanceOf(WebhookResult.Unauthorized.class);
        assertThat(missing).isInstanceOf(WebhookResult.Unauthorized.class);
        assertThat(tampered).isInstanceOf(WebhookResult.Unauthorized.class);
    }

    @Test
    void githubPushToAnotherBranchAndPingAreIgnored() {
        byte[] other = body("refs/heads/feature");
        WebhookResult branch = verifier.verify(Map.of("X-GitHub-Event", "push",
                "X-Hub-Signature-256", "sha256=" + hmac(SECRET, other)), other);
        byte[] ping = "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}".getBytes(StandardCharsets.UTF_8);
        WebhookResult pinged = verifier.verify(Map.of("X-GitHub-Event", "ping",
                "X-Hub-Signature-256", "sha256=" + hmac(SECRET, ping)), ping);

        assertThat(branch).isInstanceOfSatisfying(WebhookResult.Ignored.class,
                i -> assertThat(i.reason()).contains("refs/heads/feature"));
        assertThat(pinged).isInstanceOfSatisfying(WebhookResult.Ignored.class,
                i -> assertThat(i.reason()).contains("ping"));
    }

    @Test
    void giteaAndForgejoPushesAreVerifiedWithAPlainHexSignature() {
        WebhookResult gitea = verifier.verify(Map.of("X-Gitea-Event", "push",
                "X-Gitea-Signature", hmac(SECRET, MAIN_PUSH)), MAIN_PUSH);
        WebhookResult forgejo = verifier.verify(Map.of("X-Forgejo-Event", "push", "X-Gitea-Event", "push",
                "X-Forgejo-Signature", hmac(SECRET, MAIN_PUSH)), MAIN_PUSH);

        assertThat(gitea).isEqualTo(new WebhookResult.Accepted(WebhookProvider.GITEA, "refs/heads/main", AFTER));
        assertThat(forgejo).isEqualTo(new WebhookResult.Accepted(WebhookProvider.FORGEJO, "refs/heads/main", AFTER));
    }

    @Test
    void giteaWithAWrongSignatureIsUnauthorizedAndOtherEventsOrBranchesAreIgnored() {
        WebhookResult wrong = verifier.verify(Map.of("X-Gitea-Event", "push",
                "X-Gitea-Signature", hmac("other", MAIN_PUSH)), MAIN_PUSH);
        WebhookResult sha256Prefixed = verifier.verify(Map.of("X-Gitea-Event", "push",
                "X-Gitea-Signature", "sha256=" + hmac(SECRET, MAIN_PUSH)), MAIN_PUSH);
        byte[] other = body("refs/heads/dev");
        WebhookResult branch = verifier.verify(Map.of("X-Forgejo-Event", "push",
                "X-Forgejo-Signature", hmac(SECRET, other)), other);
        WebhookResult issue = verifier.verify(Map.of("X-Gitea-Event", "issues",
                "X-Gitea-Signature", hmac(SECRET, MAIN_PUSH)), MAIN_PUSH);

        assertThat(wrong).isInstanceOf(WebhookResult.Unauthorized.class);
        assertThat(sha256Prefixed).isInstanceOf(WebhookResult.Unauthorized.class);
        assertThat(branch).isInstanceOf(WebhookResult.Ignored.class);
        assertThat(issue).isInstanceOf(WebhookResult.Ignored.class);
    }

    @Test
    void gitlabPushWithTheTokenIsAcceptedAndAnythingElseIsNot() {
        WebhookResult ok = verifier.verify(Map.of("X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", SECRET),
                MAIN_PUSH);
        WebhookResult wrong = verifier.verify(Map.of("X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", "nope"),
                MAIN_PUSH);
        byte[] other = body("refs/heads/dev");
        WebhookResult branch = verifier.verify(Map.of("X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", SECRET),
                other);
        WebhookResult tag = verifier.verify(Map.of("X-Gitlab-Event", "Tag Push Hook", "X-Gitlab-Token", SECRET),
                MAIN_PUSH);

        assertThat(ok).isEqualTo(new WebhookResult.Accepted(WebhookProvider.GITLAB, "refs/heads/main", AFTER));
        assertThat(wrong).isInstanceOf(WebhookResult.Unauthorized.class);
        assertThat(branch).isInstanceOf(WebhookResult.Ignored.class);
        assertThat(tag).isInstanceOf(WebhookResult.Ignored.class);
    }

    @Test
    void withoutASecretOrAKnownHostNothingIsAuthorized() {
        WebhookResult noSecret = new WebhookVerifier("", "main").verify(Map.of("X-Gitlab-Event", "Push Hook",
                "X-Gitlab-Token", ""), MAIN_PUSH);
        WebhookResult unknown = verifier.verify(Map.of("X-Event", "push"), MAIN_PUSH);

        assertThat(noSecret).isInstanceOf(WebhookResult.Unauthorized.class);
        assertThat(unknown).isInstanceOf(WebhookResult.Unauthorized.class);
    }

    static byte[] body(String ref) {
        return ("{\"ref\":\"" + ref + "\",\"before\":\"" + "f".repeat(40) + "\",\"after\":\"" + AFTER
                + "\",\"repository\":{\"full_name\":\"org/grafana-manifests\"}}").getBytes(StandardCharsets.UTF_8);
    }

    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
