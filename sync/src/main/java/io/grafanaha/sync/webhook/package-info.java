/**
 * Verifying push webhooks from GitHub, Gitea, Forgejo and GitLab
 * ({@link io.grafanaha.sync.webhook.WebhookVerifier}); pure functions, the HTTP endpoint lives in the gateway.
 */
package io.grafanaha.sync.webhook;
