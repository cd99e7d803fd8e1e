package io.grafanaha.sync.grafana;

import com.fasterxml.jackson.databind.JsonNode;
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
}
