package io.grafanaha.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ops page over plain HTTP: what the browser is handed, and how it may be used. */
class OpsPageTest {
    private static TwoGrafanas env;

    @BeforeAll
    static void start() throws Exception {
        env = TwoGrafanas.start();
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    @Test
    void theRootServesThePageWithAStrictPolicyAndNoCaching() throws Exception {
        HttpResponse<String> page = env.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString().startsWith("default-src 'self'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.body()).contains("<script src=\"/ops/ops.js\"").contains("href=\"/ops/ops.css\"");
    }

    @Test
    void theScriptAndStyleComeFromTheJarWithTheirTypes() throws Exception {
        HttpResponse<String> js = env.get("/ops/ops.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(js.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(js.body()).contains("/api/status");

        HttpResponse<String> css = env.get("/ops/ops.css");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
    }

    @Test
    void thePageHasNoInlineScriptOrStyleAndTheScriptNeverWritesMarkup() throws Exception {
        String html = env.get("/").body();
        assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContain("<style").doesNotContain("style=")
                .doesNotContainPattern("\\son[a-z]+=");
        String js = env.get("/ops/ops.js").body();
        assertThat(js).doesNotContain("innerHTML").doesNotContain("outerHTML").doesNotContain("insertAdjacentHTML")
                .doesNotContain("document.write").doesNotContain("eval(");
    }

    @Test
    void otherPathsStayNotFoundAndThePageIsReadOnly() throws Exception {
        assertThat(env.get("/ops/").statusCode()).isEqualTo(404);
        assertThat(env.get("/ops/../pom.xml").statusCode()).isEqualTo(404);
        assertThat(env.get("/index.html").statusCode()).isEqualTo(404);
        HttpResponse<String> post = env.post("/", TwoGrafanas.ADMIN_TOKEN, "x");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
}
