package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The emulator's own web UI: titled as the emulator and the instance, its files served, other files a 404. */
class EmulatorPageTest {
    private GrafanaEmulator grafana;
    private TestClient client;

    @BeforeEach
    void start() {
        grafana = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
        client = new TestClient(grafana);
    }

    @AfterEach
    void stop() {
        grafana.close();
    }

    @Test
    void everyPagePathIsTheEmulatorsPageTitledWithTheInstanceName() {
        for (String path : new String[] {"/", "/dashboards", "/d/cpu/cpu", "/login"}) {
            HttpResponse<String> res = client.send(client.request(path).GET());
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).contains("<title>Grafana API emulator: grafana-b</title>")
                    .contains("<h1>Grafana API emulator</h1>").contains("/public/emulator/emulator.js")
                    .doesNotContain("Loading Grafana");
        }
    }

    @Test
    void theUisScriptAndStyleAreServedAsWhatTheyAre() {
        HttpResponse<String> js = client.send(client.request("/public/emulator/emulator.js").GET());
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(js.body()).contains("/api/dashboards/db").doesNotContain("<!DOCTYPE");

        HttpResponse<String> css = client.send(client.request("/public/emulator/emulator.css").GET());
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
    }

    @Test
    void aScriptOrStyleThatDoesNotExistIs404NotThePage() {
        for (String path : new String[] {"/public/build/app.0123.js", "/public/build/grafana.dark.css",
                "/public/img/fav32.png", "/favicon.ico", "/d/cpu/app.js"}) {
            HttpResponse<String> res = client.send(client.request(path).GET());
            assertThat(res.statusCode()).as(path).isEqualTo(404);
            assertThat(res.body()).as(path).doesNotContain("<html");
        }
    }
}
