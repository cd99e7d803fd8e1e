package io.grafanaha.testkit.grafana;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request as the emulator received it, so proxy tests can assert what arrived (Host, Origin,
 * X-Forwarded-*). Header names are lower-cased; a header sent twice keeps both values in order.
 */
public record RecordedRequest(String method, String uri, Map<String, List<String>> headers, byte[] body) {

    /** First value of a header, case-insensitive name. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The path without the query string. */
    public String path() {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
