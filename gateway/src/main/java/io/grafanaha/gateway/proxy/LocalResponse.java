package io.grafanaha.gateway.proxy;

import java.nio.charset.StandardCharsets;

/**
 * The gateway's own answer to a {@link LocalRequest}.
 *
 * @param status      HTTP status code
 * @param contentType the Content-Type header value
 * @param body        the response body
 */
public record LocalResponse(int status, String contentType, byte[] body) {
    public LocalResponse {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("a local response needs a final status (200-599), got " + status);
        }
        body = body == null ? new byte[0] : body;
    }

    /** A JSON answer, e.g. {@code json(202, "{\"message\":\"sync started\"}")}. */
    public static LocalResponse json(int status, String json) {
        return new LocalResponse(status, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8));
    }
}
