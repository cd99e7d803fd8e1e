package io.grafanaha.testkit.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OidcIssuerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VERIFIER = "a-code-verifier-of-forty-three-characters-00";
    private static final String CALLBACK = "http://127.0.0.1:1/cb";
    private final HttpClient http = HttpClient.newHttpClient();
    private OidcIssuer idp;

    @BeforeEach
    void start() {
        idp = OidcIssuer.start("client", "secret");
        idp.signInAs(OidcUser.of("alice").withGroups("admins"));
    }

    @AfterEach
    void stop() {
        idp.close();
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String authorize() throws Exception {
        HttpResponse<String> res = get(idp.issuer() + "/authorize?response_type=code&client_id=client&scope=openid"
                + "&redirect_uri=" + URLEncoder.encode(CALLBACK, StandardCharsets.UTF_8) + "&state=s1&nonce=n1"
                + "&code_challenge=" + OidcIssuer.s256(VERIFIER) + "&code_challenge_method=S256");
        assertThat(res.statusCode()).isEqualTo(302);
        String location = res.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(CALLBACK + "?code=").endsWith("&state=s1");
        return location.substring(location.indexOf("code=") + 5, location.indexOf("&state"));
    }

    private HttpResponse<String> token(String form) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(idp.issuer() + "/token"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("client:secret".getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void discoveryNamesEveryEndpointUnderTheIssuer() throws Exception {
        JsonNode d = JSON.readTree(get(idp.issuer() + "/.well-known/openid-configuration").body());
        assertThat(d.get("issuer").asText()).isEqualTo(idp.issuer());
        assertThat(d.get("end_session_endpoint").asText()).isEqualTo(idp.issuer() + "/logout");
        assertThat(d.get("code_challenge_methods_supported").get(0).asText()).isEqualTo("S256");
    }

    @Test
    void theCodeIsExchangedForAnIdTokenSignedByThePublishedKeyOnlyWithTheRightVerifier() throws Exception {
        String code = authorize();
        String redirect = URLEncoder.encode(CALLBACK, StandardCharsets.UTF_8);
        assertThat(token("grant_type=authorization_code&code=" + code + "&redirect_uri=" + redirect
                + "&code_verifier=wrong-verifier").statusCode()).isEqualTo(400);

        String fresh = authorize();
        HttpResponse<String> res = token("grant_type=authorization_code&code=" + fresh + "&redirect_uri=" + redirect
                + "&code_verifier=" + VERIFIER);
        assertThat(res.statusCode()).isEqualTo(200);
        SignedJWT idToken = SignedJWT.parse(JSON.readTree(res.body()).get("id_token").asText());
        RSAKey key = (RSAKey) JWKSet.parse(get(idp.issuer() + "/jwks").body()).getKeyByKeyId(idToken.getHeader().getKeyID());
        assertThat(idToken.verify(new RSASSAVerifier(key))).isTrue();
        assertThat(idToken.getJWTClaimsSet().getStringClaim("nonce")).isEqualTo("n1");
        assertThat(idToken.getJWTClaimsSet().getAudience()).containsExactly("client");
        assertThat(idToken.getJWTClaimsSet().getStringListClaim("groups")).containsExactly("admins");
        assertThat(token("grant_type=authorization_code&code=" + fresh + "&redirect_uri=" + redirect
                + "&code_verifier=" + VERIFIER).statusCode()).as("a code is used once").isEqualTo(400);
    }
}
