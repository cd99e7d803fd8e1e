/**
 * A small OpenID Connect provider on loopback ({@link io.grafanaha.testkit.oidc.OidcIssuer}) for tests of
 * the gateway's sign-in: discovery, JWKS with key rotation, an authorization endpoint that signs in a
 * configured user at once, a token endpoint that checks the PKCE verifier, refresh, and end-session.
 * Tokens are made with Nimbus JOSE (no hand-written JWT code). A maintained provider from Maven Central
 * ({@code no.nav.security:mock-oauth2-server}) does not resolve in this build, hence this one.
 */
package io.grafanaha.testkit.oidc;
