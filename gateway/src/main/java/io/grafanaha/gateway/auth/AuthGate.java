package io.grafanaha.gateway.auth;

import io.grafanaha.gateway.proxy.LocalHandler;
import io.grafanaha.gateway.proxy.LocalRoutes;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/**
 * The proxy's one question about sign-in: may this request go to Grafana, and as whom? Asked on the
 * event loop for every proxied request (HTTP and WebSocket upgrades) when {@link #active()}; it must
 * not block. Answers that need the network (the OIDC code exchange, a refresh) are {@link LocalHandler}s,
 * which complete whenever their I/O does.
 */
public interface AuthGate {
    /** What to do with a request. */
    sealed interface Decision {
        /** Forward it; {@code identity} null = as nobody (Grafana decides, e.g. a token or its login page). */
        record Forward(Identity identity) implements Decision {}

        /** The gateway answers it itself (a redirect to the provider, a 401). */
        record Answer(LocalHandler handler) implements Decision {}
    }

    Decision.Forward ANONYMOUS = new Decision.Forward(null);

    /** {@code auth.mode: none}: nothing to decide, nothing to strip beyond HeaderPolicy's X-WEBAUTH-*. */
    AuthGate NONE = new AnonymousGate(null);

    /** False only for {@code auth.mode: none} with Grafana's default header names: then the proxy skips the gate. */
    boolean active();

    /** Decides for one request (its target as sent, query included), from its head alone. */
    Decision decide(String method, String uri, HttpHeaders headers, InetSocketAddress peer);

    /**
     * Rewrites the headers of a request going to Grafana: every client copy of the auth proxy headers (and of
     * the gate's own inputs and cookies) removed, then the identity's set when there is one.
     */
    void toGrafana(HttpHeaders headers, Identity identity);

    /** The gate's own routes on the public listener (sign-in callback, {@code /login}, {@code /logout}). */
    default LocalRoutes routes() {
        return LocalRoutes.NONE;
    }
}
