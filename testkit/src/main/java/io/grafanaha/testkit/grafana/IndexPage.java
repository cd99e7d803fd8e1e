package io.grafanaha.testkit.grafana;

import java.nio.charset.StandardCharsets;

/**
 * The single-page-app shell Grafana serves for every non-API path. Real pages weigh 30–40 KB (a head
 * full of link/script tags and an inline {@code grafanaBootData} blob); proxy benchmarks need that
 * weight, not the content, so the page is generated once per instance with plausible filler.
 */
final class IndexPage {
    private IndexPage() {
    }

    static byte[] render(EmulatorOptions options) {
        StringBuilder html = new StringBuilder(40_000);
        html.append("<!DOCTYPE html>\n<html lang=\"en-US\">\n  <head>\n")
                .append("    <meta charset=\"utf-8\" />\n")
                .append("    <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge,chrome=1\" />\n")
                .append("    <meta name=\"viewport\" content=\"width=device-width\" />\n")
                .append("    <meta name=\"theme-color\" content=\"#000\" />\n")
                .append("    <title>Grafana</title>\n")
                .append("    <base href=\"/\" />\n")
                .append("    <link rel=\"icon\" type=\"image/png\" href=\"public/img/fav32.png\" />\n")
                .append("    <link rel=\"apple-touch-icon\" sizes=\"180x180\" href=\"public/img/apple-touch-icon.png\" />\n")
                .append("    <link rel=\"mask-icon\" href=\"public/img/grafana_mask_icon.svg\" color=\"#F05A28\" />\n");
        for (int i = 0; i < 24; i++) {
            html.append("    <link rel=\"preload\" href=\"public/build/").append(chunk("vendor", i))
                    .append(".js\" as=\"script\" crossorigin=\"anonymous\" />\n");
        }
        html.append("    <link rel=\"stylesheet\" href=\"public/build/grafana.dark.").append(hash(99)).append(".css\" />\n");
        html.append("    <script nonce=\"\">\n      performance.mark('frontend_boot_css_time_seconds');\n    </script>\n");
        html.append("  </head>\n  <body class=\"theme-dark app-grafana\">\n")
                .append("    <div class=\"preloader\"><div class=\"preloader__enter\"><div class=\"preloader__bounce\">")
                .append("<div class=\"preloader__logo\" aria-live=\"polite\" role=\"status\"></div></div></div>")
                .append("<div class=\"preloader__text\">Loading Grafana</div></div>\n")
                .append("    <div id=\"reactRoot\"></div>\n")
                .append("    <script nonce=\"\">\n      window.grafanaBootData = {\n")
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
        for (int i = 0; i < 80; i++) {
            html.append(i == 0 ? "" : ",").append("{\"id\":\"nav-").append(i).append("\",\"text\":\"Section ").append(i)
                    .append("\",\"icon\":\"apps\",\"url\":\"/section-").append(i).append("\",\"sortWeight\":").append(-1800 + i)
                    .append(",\"children\":[{\"id\":\"nav-").append(i).append("-home\",\"text\":\"Home\",\"url\":\"/section-")
                    .append(i).append("/home\"}]}");
        }
        html.append("],\n        assets: {\"dark\":\"public/build/grafana.dark.css\",\"light\":\"public/build/grafana.light.css\"}\n")
                .append("      };\n    </script>\n");
        for (int i = 0; i < 24; i++) {
            html.append("    <script nonce=\"\" src=\"public/build/").append(chunk("vendor", i))
                    .append(".js\" type=\"text/javascript\" crossorigin=\"anonymous\"></script>\n");
        }
        html.append("    <script nonce=\"\" src=\"public/build/app.").append(hash(7))
                .append(".js\" type=\"text/javascript\" crossorigin=\"anonymous\"></script>\n  </body>\n</html>\n");
        return html.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String chunk(String name, int i) {
        return name + "-" + i + "." + hash(i);
    }

    /** Stable pseudo content hashes, like webpack's file names. */
    private static String hash(int seed) {
        return String.format("%016x", (seed + 1L) * 0x9E3779B97F4A7C15L);
    }
}
