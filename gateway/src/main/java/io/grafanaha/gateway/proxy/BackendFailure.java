package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Outcome;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.ConnectException;
import javax.net.ssl.SSLException;

/**
 * How a failed connection to a backend counts: what passive detection hears, which retry it allows, what the
 * client is answered if none follows, and the message that names the backend.
 */
record BackendFailure(Outcome outcome, RetryCause retry, HttpResponseStatus status, String message) {

    /** A connect that did not succeed: it timed out, was refused, or failed otherwise. */
    static BackendFailure ofConnect(Throwable cause, String backend, long connectTimeoutMillis) {
        if (cause instanceof ConnectTimeoutException) {
            return new BackendFailure(Outcome.CONNECT_TIMEOUT, RetryCause.CONNECT_TIMEOUT, HttpResponseStatus.GATEWAY_TIMEOUT,
                    "Grafana backend " + backend + " did not accept a connection within " + connectTimeoutMillis + " ms");
        }
        if (cause instanceof ConnectException) {
            return new BackendFailure(Outcome.CONNECT_REFUSED, RetryCause.CONNECT_REFUSED, HttpResponseStatus.BAD_GATEWAY,
                    "Grafana backend " + backend + " refused the connection");
        }
        return new BackendFailure(Outcome.RESET, RetryCause.CONNECT_REFUSED, HttpResponseStatus.BAD_GATEWAY,
                "could not connect to Grafana backend " + backend + ": " + cause.getMessage());
    }

    /** A TLS failure, also wrapped (a backend's alert reaches the pipeline as a DecoderException). */
    static boolean isTls(Throwable cause) {
        for (Throwable t = cause; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }
}
