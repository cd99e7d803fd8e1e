package io.grafanaha.gateway.accesslog;

import io.netty.handler.codec.http.HttpRequest;

/**
 * Who made a request, for the access log's {@code user} field. The gateway's sign-in feeds it when identity
 * is on; without one the field is absent. Called on the event loop with the request head as the client sent
 * it: it must answer from what it already knows, never block.
 */
@FunctionalInterface
public interface AccessUser {
    AccessUser NONE = request -> null;

    /** The signed-in user's login, or null when unknown. */
    String user(HttpRequest request);
}
