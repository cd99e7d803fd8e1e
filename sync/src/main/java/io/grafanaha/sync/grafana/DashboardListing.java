package io.grafanaha.sync.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The version of every dashboard a backend holds, in a few calls: Grafana 12's dashboard resource list
 * ({@code GET /apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards}), a page of {@value #PAGE} at a time
 * by {@code limit} and {@code continue}, metadata only ({@code Accept: ...;as=PartialObjectMetadataList}). With
 * Grafana's legacy storage an item's {@code metadata.generation} is the dashboard's version, the one
 * {@code /api/dashboards/uid/:uid} shows and every save bumps; so a dashboard listed at the version the client last
 * saw needs no call of its own. Grafana before 12 has no such list (404), nor does a token without access to
 * namespace {@code default} (org 1): then the answer is empty and the caller asks dashboard by dashboard.
 */
final class DashboardListing {
    static final String PATH = "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards";
    static final int PAGE = 500;
    private static final String INTERNAL_ID = "grafana.app/deprecatedInternalID";
    /** The apiserver answers metadata only when asked first; plain JSON stays acceptable (the items then hold more). */
    private static final Map<String, String> METADATA_ONLY =
            Map.of("Accept", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json");
    /** Guards against a server that hands back the same continue token for ever. */
    private static final int MAX_PAGES = 10_000;

    private final JsonApi api;

    /**
     * One listed dashboard.
     *
     * @param version {@code metadata.generation}: the version {@code /api/dashboards/uid/:uid} shows
     * @param id the label {@code grafana.app/deprecatedInternalID}, the row's numeric id; 0 when not given
     */
    record Row(int version, long id) {}

    DashboardListing(JsonApi api) {
        this.api = api;
    }

    /**
     * Dashboard uid to its row, every dashboard of the namespace; empty when the backend does not answer the list
     * (not found, forbidden). An item without a positive {@code generation} (a Grafana that does not give it, or a
     * dashboard in the trash) is left out.
     *
     * @throws GrafanaApiException when the backend cannot be reached or fails otherwise
     */
    Optional<Map<String, Row>> rows() throws GrafanaApiException {
        Map<String, Row> out = new HashMap<>();
        String next = "";
        for (int pages = 0; pages < MAX_PAGES; pages++) {
            Optional<JsonNode> page;
            try {
                page = api.call("GET", PATH + "?limit=" + PAGE + (next.isEmpty() ? ""
                        : "&continue=" + URLEncoder.encode(next, StandardCharsets.UTF_8)), null, METADATA_ONLY);
            } catch (GrafanaApiException e) {
                if (e.status() == 401 || e.status() == 403) {
                    return Optional.empty();
                }
                throw e;
            }
            if (page.isEmpty() || !page.get().path("items").isArray()) {
                return Optional.empty();
            }
            for (JsonNode item : page.get().path("items")) {
                JsonNode metadata = item.path("metadata");
                long generation = metadata.path("generation").asLong(0);
                String name = metadata.path("name").asText("");
                if (generation > 0 && generation <= Integer.MAX_VALUE && !name.isEmpty()
                        && !metadata.hasNonNull("deletionTimestamp")) {
                    out.put(name, new Row((int) generation, metadata.path("labels").path(INTERNAL_ID).asLong(0)));
                }
            }
            next = page.get().path("metadata").path("continue").asText("");
            if (next.isEmpty()) {
                return Optional.of(out);
            }
        }
        return Optional.empty();
    }
}
