package io.grafanaha.gateway.auth;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/**
 * {@code auth.mode: none}: every request goes on as nobody's. With Grafana's default header names
 * ({@code strip} null) the gate is inactive and the proxy never asks it, since HeaderPolicy drops every
 * {@code X-WEBAUTH-*} anyway; with other names it removes the client's copies of those.
 */
final class AnonymousGate implements AuthGate {
    private final GrafanaIdentityHeaders strip;

    AnonymousGate(GrafanaIdentityHeaders strip) {
        this.strip = strip;
    }

    @Override
    public boolean active() {
        return strip != null;
    }

    @Override
    public Decision decide(String method, String uri, HttpHeaders headers, InetSocketAddress peer) {
        return ANONYMOUS;
    }

    @Override
    public void toGrafana(HttpHeaders headers, Identity identity) {
        if (strip != null) {
            strip.strip(headers);
        }
    }
}
