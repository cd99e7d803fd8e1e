package io.grafanaha.testkit.grafana;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One HTTP answer of the emulator, before it is turned into Netty objects; a header may repeat (Set-Cookie). */
record ApiResponse(int status, String contentType, byte[] body, Map<String, List<String>> headers) {

    static final String JSON = "application/json";

    static ApiResponse json(int status, byte[] body) {
        return new ApiResponse(status, JSON, body, Map.of());
    }

    /** Go's {@code http.Error}: plain text plus a trailing newline. */
    static ApiResponse plain(int status, String text) {
        return new ApiResponse(status, "text/plain; charset=utf-8",
                (text + "\n").getBytes(StandardCharsets.UTF_8), Map.of("X-Content-Type-Options", List.of("nosniff")));
    }

    ApiResponse withHeader(String name, String... values) {
        Map<String, List<String>> all = new LinkedHashMap<>(headers);
        all.put(name, List.of(values));
        return new ApiResponse(status, contentType, body, Map.copyOf(all));
    }
}
