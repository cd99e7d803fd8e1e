package io.grafanaha.sync.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Plain JSON calls to one backend's HTTP API, for the resource kinds beside dashboards (alerting, data sources),
 * which keep their own endpoint knowledge in their own packages. Same authentication, timeouts and errors as the
 * backend's {@link GrafanaClient}.
 */
public interface JsonApi {

    /**
     * Sends one call with these extra headers; a 404 gives empty, any other non-2xx throws naming the backend and the
     * call with Grafana's {@code message}. An empty 2xx body gives an empty object node.
     */
    Optional<JsonNode> call(String method, String path, JsonNode body, Map<String, String> headers)
            throws GrafanaApiException;

    /**
     * {@code GET} of each of {@code paths}, the answers in their order (empty for a 404), failing as {@link #call}
     * does. One after the other here; a backend's client may read them in parallel.
     */
    default List<Optional<JsonNode>> getAll(List<String> paths) throws GrafanaApiException {
        List<Optional<JsonNode>> out = new ArrayList<>(paths.size());
        for (String path : paths) {
            out.add(call("GET", path, null, Map.of()));
        }
        return out;
    }
}
