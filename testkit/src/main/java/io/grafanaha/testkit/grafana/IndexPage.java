package io.grafanaha.testkit.grafana;

import java.nio.charset.StandardCharsets;

/**
 * The page served for every page path: the emulator's own small web UI (dashboard list by folder, a dashboard's
 * panels and JSON, a save that sends what Grafana's UI sends), clearly titled as the API emulator and the instance,
 * never dressed up as Grafana. Its script and style are real files under {@link #ASSETS}. The page also carries a
 * {@code grafanaBootData} blob with plausible filler, because Grafana's shell weighs 30–40 KB and proxy benchmarks
 * need that weight, not the content.
 */
final class IndexPage {
    /** Where the UI's script and style are served from; any other static path is a 404. */
    static final String ASSETS = "/public/emulator/";

    private IndexPage() {
    }

    static byte[] render(EmulatorOptions options) {
        String name = escape(options.name());
        StringBuilder html = new StringBuilder(40_000);
        html.append("<!DOCTYPE html>\n<html lang=\"en-US\">\n  <head>\n")
                .append("    <meta charset=\"utf-8\" />\n")
                .append("    <meta name=\"viewport\" content=\"width=device-width\" />\n")
                .append("    <title>Grafana API emulator: ").append(name).append("</title>\n")
                .append("    <link rel=\"stylesheet\" href=\"").append(ASSETS).append("emulator.css\" />\n")
                .append("    <script src=\"").append(ASSETS).append("emulator.js\" defer></script>\n")
                .append("  </head>\n  <body>\n")
                .append("    <header>\n      <h1>Grafana API emulator</h1>\n")
                .append("      <p class=\"instance\">page from <b id=\"page-instance\">").append(name)
                .append("</b> &middot; last answer from <b id=\"served-by\">").append(name).append("</b></p>\n")
                .append("      <p class=\"note\">A test double that speaks Grafana's HTTP API, not Grafana: no panels are drawn.</p>\n")
                .append("      <nav><a href=\"/dashboards\" id=\"nav-dashboards\">Dashboards</a></nav>\n")
                .append("    </header>\n")
                .append("    <main id=\"app\"><p>Loading&hellip;</p></main>\n")
                .append("    <script>\n      window.grafanaBootData = {\n")
                .append("        user: {\"isSignedIn\":false,\"id\":0,\"login\":\"\",\"orgId\":1,\"orgRole\":\"\",\"theme\":\"dark\"},\n")
                .append("        settings: {\"appUrl\":\"http://localhost:3000/\",\"appSubUrl\":\"\",\"buildInfo\":{\"version\":")
                .append(Json.quote(options.version())).append(",\"commit\":").append(Json.quote(options.commit()))
                .append(",\"edition\":\"Open Source\",\"env\":\"production\"},\"instanceName\":")
                .append(Json.quote(options.name())).append(",\"featureToggles\":{");
        for (int i = 0; i < 180; i++) {
            html.append(i == 0 ? "" : ",").append("\"featureToggle").append(Integer.toString(i, 36)).append("Enabled\":")
                    .append(i % 3 == 0);
        }
        html.append("},\"datasources\":{");
        for (int i = 0; i < 40; i++) {
            html.append(i == 0 ? "" : ",").append("\"datasource-").append(i).append("\":{\"type\":\"prometheus\",\"uid\":\"")
                    .append(hash(i)).append("\",\"name\":\"Prometheus ").append(i)
                    .append("\",\"meta\":{\"id\":\"prometheus\",\"info\":{\"version\":\"\",\"updated\":\"\"},\"module\":\"core:plugin/prometheus\"}}");
        }
        html.append("}},\n        navTree: [");
        for (int i = 0; i < 130; i++) {
            html.append(i == 0 ? "" : ",").append("{\"id\":\"nav-").append(i).append("\",\"text\":\"Section ").append(i)
                    .append("\",\"icon\":\"apps\",\"url\":\"/section-").append(i).append("\",\"sortWeight\":").append(-1800 + i)
                    .append(",\"children\":[{\"id\":\"nav-").append(i).append("-home\",\"text\":\"Home\",\"url\":\"/section-")
                    .append(i).append("/home\"}]}");
        }
        html.append("]\n      };\n    </script>\n  </body>\n</html>\n");
        return html.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A static file of the UI, or empty for any other path (which the caller answers with 404). */
    static java.util.Optional<ApiResponse> asset(String path) {
        String type = path.equals(ASSETS + "emulator.js") ? "text/javascript; charset=utf-8"
                : path.equals(ASSETS + "emulator.css") ? "text/css; charset=utf-8" : null;
        if (type == null) {
            return java.util.Optional.empty();
        }
        try (java.io.InputStream in = IndexPage.class.getResourceAsStream("ui/" + path.substring(ASSETS.length()))) {
            if (in == null) {
                throw new IllegalStateException("the emulator's UI file " + path + " is missing from the test kit");
            }
            return java.util.Optional.of(new ApiResponse(200, type, in.readAllBytes(), java.util.Map.of())
                    .withHeader("Cache-Control", "no-store"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Paths a browser fetches as files (Grafana's {@code /public/} tree, anything with a file extension): answered by
     * {@link #asset} or 404, never with the page, so a missing script is an error and not a blank page.
     */
    static boolean isStatic(String path) {
        String last = path.substring(path.lastIndexOf('/') + 1);
        return path.startsWith("/public/") || last.matches(".*\\.(js|mjs|css|map|png|svg|ico|jpg|gif|woff2?|ttf|json|txt)");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Stable pseudo content hashes, like webpack's file names. */
    private static String hash(int seed) {
        return String.format("%016x", (seed + 1L) * 0x9E3779B97F4A7C15L);
    }
}
