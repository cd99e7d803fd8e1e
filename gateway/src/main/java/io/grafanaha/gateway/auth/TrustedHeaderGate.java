package io.grafanaha.gateway.auth;

import io.grafanaha.gateway.config.AuthConfig;
import io.grafanaha.gateway.config.TrustedProxies;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;

/**
 * {@code auth.mode: trusted-header}: an authenticating proxy in front (oauth2-proxy, an identity-aware
 * proxy) has signed the user in and names them in headers. Believed only from a peer in
 * {@code proxy.trusted-proxies}, the TCP peer itself, never an address a header claims; anyone else's
 * copies are dropped and the request goes on as nobody's.
 */
final class TrustedHeaderGate implements AuthGate {
    private final AuthConfig.TrustedHeaders in;
    private final GrafanaIdentityHeaders out;
    private final TrustedProxies trusted;

    TrustedHeaderGate(AuthConfig config, TrustedProxies trusted) {
        this.in = config.trustedHeader();
        this.out = new GrafanaIdentityHeaders(config.grafana(), config.headersEncoded());
        this.trusted = trusted;
    }

    @Override
    public boolean active() {
        return true;
    }

    @Override
    public Decision decide(String method, String uri, HttpHeaders headers, InetSocketAddress peer) {
        if (peer == null || !trusted.trusts(peer.getAddress())) {
            return ANONYMOUS;
        }
        String user = value(headers, in.user());
        if (user.isBlank()) {
            return ANONYMOUS;
        }
        Identity identity = Identity.of(user, value(headers, in.email()), value(headers, in.name()),
                value(headers, in.role()), groups(value(headers, in.groups())));
        if (identity == null) {
            return ANONYMOUS;
        }
        return out.sendable(identity) ? new Decision.Forward(identity) : new Decision.Answer(HeaderText.notSendable());
    }

    @Override
    public void toGrafana(HttpHeaders headers, Identity identity) {
        for (String name : in.all()) {
            headers.remove(name); // Grafana has no use for them, and they are the client's word when untrusted
        }
        out.set(headers, identity);
    }

    /** The proxy's UTF-8 text (Netty gives one char per byte). */
    private static String value(HttpHeaders headers, String name) {
        return name.isEmpty() ? "" : HeaderText.fromHeader(headers.get(name, ""));
    }

    /** oauth2-proxy joins groups with commas. */
    static List<String> groups(String value) {
        return value.isBlank() ? List.of() : Arrays.stream(value.split(",")).map(String::trim).filter(g -> !g.isEmpty()).toList();
    }
}
