package io.grafanaha.gateway.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The ops failover page at {@code GET /} of the admin listener: three static files from the jar
 * ({@code /ops/index.html}, {@code ops.js}, {@code ops.css}) that poll {@code /api/status} and call the
 * admin API. The strict content security policy forbids inline script and style, so data that slipped
 * into markup could still not run; the page itself only ever writes API values through textContent.
 *
 * <pre>{@code
 * new OpsPage().register(admin);
 * }</pre>
 */
public final class OpsPage {
    static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /** Served path to (resource in the jar, content type). Nothing else under /ops/ is served. */
    private static final Map<String, Asset> ASSETS = Map.of(
            "/", new Asset("/ops/index.html", "text/html; charset=utf-8"),
            "/ops/ops.js", new Asset("/ops/ops.js", "text/javascript; charset=utf-8"),
            "/ops/ops.css", new Asset("/ops/ops.css", "text/css; charset=utf-8"));

    private final Map<String, byte[]> bodies;

    public OpsPage() {
        // Read once: a missing file is a broken build and should fail at startup, not on first visit.
        this.bodies = ASSETS.entrySet().stream()
                .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> read(e.getValue().resource())));
    }

    public AdminServer register(AdminServer admin) {
        ASSETS.keySet().forEach(path -> admin.route(path, this::serve));
        return admin;
    }

    private void serve(AdminExchange exchange) {
        String path = exchange.path();
        String method = exchange.method();
        exchange.responseHeader("Cache-Control", "no-cache")
                .responseHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .responseHeader("X-Content-Type-Options", "nosniff")
                .responseHeader("Referrer-Policy", "no-referrer");
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.responseHeader("Allow", "GET, HEAD")
                    .send(405, "application/json", "{\"message\":\"method not allowed; use GET, HEAD\"}");
            return;
        }
        exchange.send(200, ASSETS.get(path).contentType(), bodies.get(path));
    }

    private static byte[] read(String resource) {
        try (InputStream in = OpsPage.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the ops page resource " + resource + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ops page resource " + resource, e);
        }
    }

    private record Asset(String resource, String contentType) {
    }
}
