package io.grafanaha.gateway.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.proxy.LocalResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class GrafanaWritesTest {
    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void knowsTheWritesByMethodAndPath() {
        assertThat(GrafanaWrites.kind("POST", "/api/dashboards/db")).hasValue(GrafanaWrite.Kind.DASHBOARD_SAVE);
        assertThat(GrafanaWrites.kind("DELETE", "/api/dashboards/uid/abc")).hasValue(GrafanaWrite.Kind.DASHBOARD_DELETE);
        assertThat(GrafanaWrites.kind("POST", "/api/folders")).hasValue(GrafanaWrite.Kind.FOLDER_CREATE);
        assertThat(GrafanaWrites.kind("PUT", "/api/folders/f1")).hasValue(GrafanaWrite.Kind.FOLDER_UPDATE);
        assertThat(GrafanaWrites.kind("DELETE", "/api/folders/f1")).hasValue(GrafanaWrite.Kind.FOLDER_DELETE);
        assertThat(GrafanaWrites.kind("POST", "/api/folders/f1/move")).hasValue(GrafanaWrite.Kind.FOLDER_MOVE);
    }

    @Test
    void knowsAlertingWritesOfTheProvisioningAndRulerApisButNotTheirReads() {
        assertThat(GrafanaWrites.kind("PUT", "/api/v1/provisioning/folder/f1/rule-groups/cpu"))
                .hasValue(GrafanaWrite.Kind.ALERTING_WRITE);
        assertThat(GrafanaWrites.kind("DELETE", "/api/v1/provisioning/alert-rules/r1"))
                .hasValue(GrafanaWrite.Kind.ALERTING_WRITE);
        assertThat(GrafanaWrites.kind("POST", "/api/ruler/grafana/api/v1/rules/f1"))
                .hasValue(GrafanaWrite.Kind.ALERTING_WRITE);
        assertThat(GrafanaWrites.classify("POST", "/api/ruler/grafana/api/v1/rules/f1", json("not json")))
                .hasValue(new GrafanaWrite.AlertingWrite());
        assertThat(GrafanaWrites.kind("GET", "/api/v1/provisioning/alert-rules")).isEmpty();
        assertThat(GrafanaWrites.kind("GET", "/api/ruler/grafana/api/v1/rules")).isEmpty();
        assertThat(GrafanaWrites.kind("POST", "/api/v1/other/thing")).isEmpty();
    }

    @Test
    void ignoresReadsAndOtherPaths() {
        assertThat(GrafanaWrites.kind("GET", "/api/dashboards/db")).isEmpty();
        assertThat(GrafanaWrites.kind("GET", "/api/dashboards/uid/abc")).isEmpty();
        assertThat(GrafanaWrites.kind("DELETE", "/api/dashboards/uid/abc/versions")).isEmpty();
        assertThat(GrafanaWrites.kind("POST", "/api/dashboards/db/")).isEmpty();
        assertThat(GrafanaWrites.kind("POST", "/api/folders/f1/permissions")).isEmpty();
        assertThat(GrafanaWrites.kind("DELETE", "/api/folders")).isEmpty();
        assertThat(GrafanaWrites.kind("POST", "/apis/dashboard.grafana.app/v1/namespaces/default/dashboards")).isEmpty();
        assertThat(GrafanaWrites.kind("POST", "/api/dashboards//db")).isEmpty();
    }

    @Test
    void aDashboardSaveCarriesUidVersionOverwriteAndFolder() {
        var write = GrafanaWrites.classify("POST", "/api/dashboards/db",
                json("{\"dashboard\":{\"uid\":\"x\",\"version\":3,\"title\":\"T\"},\"folderUid\":\"f\",\"overwrite\":true}"));

        assertThat(write).hasValue(new GrafanaWrite.DashboardSave(Optional.of("x"), OptionalLong.of(3), true, Optional.of("f")));
    }

    @Test
    void aNewDashboardHasNoUidAndNoVersion() {
        var write = GrafanaWrites.classify("POST", "/api/dashboards/db", json("{\"dashboard\":{\"uid\":null,\"title\":\"T\"}}"));

        assertThat(write).hasValue(new GrafanaWrite.DashboardSave(Optional.empty(), OptionalLong.empty(), false, Optional.empty()));
    }

    @Test
    void badJsonIsNotClassified() {
        assertThat(GrafanaWrites.classify("POST", "/api/dashboards/db", json("{\"dashboard\":"))).isEmpty();
        assertThat(GrafanaWrites.classify("POST", "/api/dashboards/db", json("[1,2]"))).isEmpty();
        assertThat(GrafanaWrites.classify("POST", "/api/dashboards/db", json("{\"dashboard\":\"no\"}"))).isEmpty();
        assertThat(GrafanaWrites.classify("POST", "/api/dashboards/db", new byte[0])).isEmpty();
        assertThat(GrafanaWrites.classify("PUT", "/api/folders/f1", json("nope"))).isEmpty();
        assertThat(GrafanaWrites.classify("DELETE", "/api/dashboards/uid/%zz", new byte[0])).isEmpty();
    }

    @Test
    void deletesAndFolderWritesTakeTheUidFromThePath() {
        assertThat(GrafanaWrites.classify("DELETE", "/api/dashboards/uid/a%2Db", new byte[0]))
                .hasValue(new GrafanaWrite.DashboardDelete("a-b"));
        assertThat(GrafanaWrites.classify("DELETE", "/api/folders/f1", new byte[0])).hasValue(new GrafanaWrite.FolderDelete("f1"));
        assertThat(GrafanaWrites.classify("PUT", "/api/folders/f1", json("{\"title\":\"T\",\"version\":2}")))
                .hasValue(new GrafanaWrite.FolderUpdate("f1", OptionalLong.of(2), false));
        assertThat(GrafanaWrites.classify("POST", "/api/folders/f1/move", json("{\"parentUid\":\"p\"}")))
                .hasValue(new GrafanaWrite.FolderMove("f1", "p"));
        assertThat(GrafanaWrites.classify("POST", "/api/folders", json("{\"uid\":\"f2\",\"title\":\"T\"}")))
                .hasValue(new GrafanaWrite.FolderCreate(Optional.of("f2"), Optional.empty()));
    }

    @Test
    void theUserComesFromBasicAuthElseTheAuthProxyHeader() {
        String basic = "Basic " + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));

        assertThat(GrafanaWrites.user(Map.of("authorization", List.of(basic), "x-webauth-user", List.of("bob")))).hasValue("alice");
        assertThat(GrafanaWrites.user(Map.of("x-webauth-user", List.of("bob")))).hasValue("bob");
        assertThat(GrafanaWrites.user(Map.of("authorization", List.of("Bearer glsa_x")))).isEmpty();
        assertThat(GrafanaWrites.user(Map.of("authorization", List.of("Basic !!!")))).isEmpty();
        assertThat(GrafanaWrites.user(Map.of("cookie", List.of("grafana_session=abc")))).isEmpty();
    }

    @Test
    void theGuardAnswersWithGrafanasOwnBody() {
        LocalResponse mismatch = GrafanaWrites.dashboardVersionMismatch();

        assertThat(mismatch.status()).isEqualTo(412);
        assertThat(new String(mismatch.body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"status\":\"version-mismatch\",\"message\":\"The dashboard has been changed by someone else\"}");
    }
}
