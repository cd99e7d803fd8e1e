package io.grafanaha.sync.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A pass over many known dashboards reads their versions from Grafana 12's dashboard list, not one call each. */
class DashboardListingTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    GrafanaEmulator grafana;

    @AfterEach
    void tearDown() {
        grafana.close();
    }

    private HttpGrafanaClient start(String version) {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().version(version));
        return HttpGrafanaClient.create("grafana-a", URI.create(grafana.url()), grafana.token());
    }

    /** {@code n} dashboards saved by the client in folder {@code root}, by uid (the trees it saved). */
    private static Map<String, ObjectNode> save(HttpGrafanaClient client, int n) throws Exception {
        client.createFolder("root", "grafana-manifests", Optional.empty());
        Map<String, ObjectNode> saved = new HashMap<>();
        for (int i = 0; i < n; i++) {
            ObjectNode d = dashboard("d" + i, "D" + i);
            client.saveDashboard(d, "root", "git-sync 1234567: add");
            saved.put("d" + i, d);
        }
        return saved;
    }

    private static ObjectNode dashboard(String uid, String title) throws Exception {
        return (ObjectNode) MAPPER.readTree("{\"uid\":\"" + uid + "\",\"title\":\"" + title + "\",\"panels\":[]}");
    }

    @Test
    void aPassOverUnchangedKnownDashboardsCostsOneListingCallAndNoCallPerDashboard() throws Exception {
        HttpGrafanaClient client = start("12.1.0");
        Map<String, ObjectNode> saved = save(client, 30);
        List<DashboardHit> hits = client.dashboardsInFolders(List.of("root"));

        long before = grafana.requestCount();
        List<BackendDashboard> held = client.dashboards(hits, Map.of());

        assertThat(grafana.requestCount() - before).isEqualTo(1);
        assertThat(grafana.requestCount(DashboardListing.PATH)).isEqualTo(1);
        assertThat(grafana.lastRequest().orElseThrow().headers().get("accept")).as("metadata only, not every spec")
                .singleElement().asString().startsWith("application/json;as=PartialObjectMetadataList;");
        assertThat(held).hasSize(30).allSatisfy(d -> assertThat(d.json()).isSameAs(saved.get(d.uid())));
    }

    @Test
    void aDashboardEditedOnTheInstanceBehindTheSyncsBackIsStillReadWhenTheListingIsUsed() throws Exception {
        HttpGrafanaClient client = start("12.1.0");
        save(client, 30);
        grafana.putDashboard(dashboard("d7", "D7 edited in Grafana"), "root");
        List<DashboardHit> hits = client.dashboardsInFolders(List.of("root"));

        List<BackendDashboard> held = client.dashboards(hits, Map.of());

        assertThat(held).filteredOn(d -> d.uid().equals("d7")).singleElement()
                .satisfies(d -> assertThat(d.json().path("title").asText()).isEqualTo("D7 edited in Grafana"));
        assertThat(grafana.requestCount("/api/dashboards/uid/d7")).isEqualTo(1);
        assertThat(grafana.requestCount("/api/dashboards/uid/d8")).isZero();
        assertThat(grafana.requestCount("/api/dashboards/uid/d8/versions")).isZero();
    }

    @Test
    void moreDashboardsThanAPageAreListedPageByPage() throws Exception {
        HttpGrafanaClient client = start("12.1.0");
        client.createFolder("root", "grafana-manifests", Optional.empty());
        int n = DashboardListing.PAGE + 20;
        for (int i = 0; i < n; i++) {
            grafana.putDashboard(dashboard("d" + i, "D" + i), "root");
        }
        List<DashboardHit> hits = client.dashboardsInFolders(List.of("root"));
        client.dashboards(hits, Map.of()); // a client that knows nothing reads each one, and knows them since
        grafana.putDashboard(dashboard("d" + (n - 1), "last, edited"), "root"); // on the second page

        long before = grafana.requestCount();
        List<BackendDashboard> held = client.dashboards(hits, Map.of());

        assertThat(grafana.requestCount() - before).as("two pages, then the edited one's versions and itself").isEqualTo(4);
        assertThat(held).hasSize(n).filteredOn(d -> d.uid().equals("d" + (n - 1))).singleElement()
                .satisfies(d -> assertThat(d.json().path("title").asText()).isEqualTo("last, edited"));
    }

    @Test
    void aGrafanaWithoutTheListIsAskedDashboardByDashboardAndEditsAreStillSeen() throws Exception {
        HttpGrafanaClient client = start("11.6.0");
        save(client, 30);
        grafana.putDashboard(dashboard("d3", "D3 edited"), "root");
        List<DashboardHit> hits = client.dashboardsInFolders(List.of("root"));

        List<BackendDashboard> held = client.dashboards(hits, Map.of());

        assertThat(grafana.requestCount(DashboardListing.PATH)).isEqualTo(1); // answered 404
        assertThat(grafana.requestCount("/api/dashboards/uid/d8/versions")).isEqualTo(1);
        assertThat(held).filteredOn(d -> d.uid().equals("d3")).singleElement()
                .satisfies(d -> assertThat(d.json().path("title").asText()).isEqualTo("D3 edited"));
    }

    @Test
    void aDashboardDeletedAndCreatedAgainAtTheSameVersionIsReadAgain() throws Exception {
        HttpGrafanaClient client = start("12.1.0");
        save(client, 30);
        // Someone else deletes d4 behind this client's back, then creates it anew under the same uid.
        HttpGrafanaClient.create("someone", URI.create(grafana.url()), grafana.token()).deleteDashboard("d4");
        grafana.putDashboard(dashboard("d4", "D4 made again by hand"), "root");
        assertThat(grafana.dashboard("d4").orElseThrow().version()).as("a new row starts at 1 again").isEqualTo(1);
        List<DashboardHit> hits = client.dashboardsInFolders(List.of("root"));

        List<BackendDashboard> held = client.dashboards(hits, Map.of());

        assertThat(held).filteredOn(d -> d.uid().equals("d4")).singleElement()
                .satisfies(d -> assertThat(d.json().path("title").asText()).isEqualTo("D4 made again by hand"));
    }
}
