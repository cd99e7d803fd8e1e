package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OidcGateTest {
    @Test
    void afterSignInTheBrowserReturnsOnlyToAPathOnThisSite() {
        assertThat(OidcGate.returnTo("/d/abc/overview?orgId=1")).isEqualTo("/d/abc/overview?orgId=1");
        assertThat(OidcGate.returnTo("//evil.example.com/x")).isEqualTo("/");
        assertThat(OidcGate.returnTo("/\\evil.example.com")).isEqualTo("/");
        assertThat(OidcGate.returnTo("http://evil.example.com/")).isEqualTo("/");
        assertThat(OidcGate.returnTo("/a\r\nSet-Cookie: x=y")).isEqualTo("/");
    }
}
