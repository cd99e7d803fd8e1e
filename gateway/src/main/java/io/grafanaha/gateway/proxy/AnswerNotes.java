package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;

/**
 * What the client got for its current request, for the access log and the request's span: the final status and
 * the body bytes. Every answer is noted here, the backend's and the gateway's own alike, as objects or as bytes: by
 * {@link MethodAwareResponseEncoder} and {@link Http1ClientBytes} on an HTTP/1.1 connection, by {@link StreamClient}
 * on an HTTP/2 stream. One per connection or stream, used on its event loop.
 */
final class AnswerNotes {
    private HttpMethod method = HttpMethod.GET;
    private int status;
    private long bodyBytes;

    /** A new request: its method, and nothing answered yet. */
    void respondingTo(HttpMethod method) {
        this.method = method;
        this.status = 0;
        this.bodyBytes = 0;
    }

    /** The current request's method (an answer to HEAD has no body, whatever its head says). */
    HttpMethod method() {
        return method;
    }

    /** The status of the answer's head (101 for an upgrade), 0 before one was written; interim 1xx do not count. */
    int status() {
        return status;
    }

    /** Response body bytes written since {@link #respondingTo}. */
    long bodyBytes() {
        return bodyBytes;
    }

    /** A final response head written as bytes ({@link ClientBytes}). */
    void wroteHead(int code) {
        status = code;
    }

    /** Body bytes written as bytes ({@link ClientBytes}); an answer to HEAD has none. */
    void wroteBody(long bytes) {
        bodyBytes += bytes;
    }

    /** An answer's head, body chunk or whole answer written as an object. */
    void note(Object msg) {
        if (msg instanceof HttpResponse head) {
            int code = head.status().code();
            if (code >= 200 || code == 101) {
                status = code;
            }
        }
        if (msg instanceof HttpContent content && !HttpMethod.HEAD.equals(method)) {
            bodyBytes += content.content().readableBytes();
        }
    }
}
