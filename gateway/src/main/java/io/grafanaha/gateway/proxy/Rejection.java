package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;

/** Why a request is refused before it reaches any backend: the status to send and a readable reason. */
record Rejection(HttpResponseStatus status, String message) {
    static Rejection badRequest(String message) {
        return new Rejection(HttpResponseStatus.BAD_REQUEST, message);
    }
}
