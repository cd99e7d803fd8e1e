package io.grafanaha.health;

/**
 * How one attempt to use a backend ended, as seen by the proxy. Only failures that the proxy itself
 * observed are reported, so that passive detection never counts a user's 404 against a backend.
 */
public enum Outcome {
    /** A response was received and forwarded. */
    SUCCESS,
    /** The TCP connect was refused (nothing listens). */
    CONNECT_REFUSED,
    /** The TCP connect did not complete within the connect timeout. */
    CONNECT_TIMEOUT,
    /** The connection was reset or closed before a complete response. */
    RESET,
    /** No response headers within the response timeout. */
    RESPONSE_TIMEOUT,
    /** The response could not be parsed or had ambiguous framing. */
    INVALID_RESPONSE,
    /**
     * The backend answered 502, 503 or 504 itself: a response, but not proof of health (Grafana answers
     * these when its database or a proxied data source is down).
     */
    GATEWAY_STATUS
}
