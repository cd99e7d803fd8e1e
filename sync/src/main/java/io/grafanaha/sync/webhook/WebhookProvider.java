package io.grafanaha.sync.webhook;

/** The Git hosts whose push webhooks are understood, and how each signs them. */
public enum WebhookProvider {
    /** {@code X-GitHub-Event}, {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>}. */
    GITHUB,
    /** {@code X-Gitea-Event}, {@code X-Gitea-Signature: <hex HMAC-SHA256 of the body>}. */
    GITEA,
    /** {@code X-Forgejo-Event}, {@code X-Forgejo-Signature} (or the Gitea headers Forgejo also sends). */
    FORGEJO,
    /** {@code X-Gitlab-Event}, {@code X-Gitlab-Token: <the secret itself>}. */
    GITLAB
}
