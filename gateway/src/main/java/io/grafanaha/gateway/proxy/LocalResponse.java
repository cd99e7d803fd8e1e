package io.grafanaha.gateway.proxy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's own answer to a {@link LocalRequest}.
 *
 * @param status      HTTP status code
 * @param contentType the Content-Type header value
 * @param body        the response body
 * @param headers     further headers (Location, Set-Cookie may repeat), by name
 */
public record LocalResponse(int status, String contentType, byte[] body, Map<String, List<String>> headers) {
    public LocalResponse {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("a local response needs a final status (200-599), got " + status);
        }
        body = body == null ? new byte[0] : body;
        headers = Map.copyOf(headers);
    }

    public LocalResponse(int status, String contentType, byte[] body) {
        this(status, contentType, body, Map.of());
    }

    /** This answer with header {@code name} (added to any values it already has). */
    public LocalResponse withHeader(String name, String value) {
        Map<String, List<String>> all = new LinkedHashMap<>(headers);
        all.merge(name, List.of(value), (a, b) -> java.util.stream.Stream.concat(a.stream(), b.stream()).toList());
        return new LocalResponse(status, contentType, body, all);
    }

    /** A JSON answer, e.g. {@code json(202, "{\"message\":\"sync started\"}")}. */
    public static LocalResponse json(int status, String json) {
        return new LocalResponse(status, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8));
    }
}
