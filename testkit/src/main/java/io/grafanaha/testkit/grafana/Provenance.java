package io.grafanaha.testkit.grafana;

/**
 * Grafana's alerting provenance (testkit/docs/alerting-and-datasources.md): a write through the provisioning API
 * records {@code "api"}, unless the request carries {@code X-Disable-Provenance} (any value: Grafana tests only that
 * the header is present), which records none ({@code ""}) and so leaves the resource editable in the UI.
 */
final class Provenance {
    static final String API = "api";
    static final String NONE = "";

    private Provenance() {
    }

    static String of(ApiRequest req) {
        return req.headers().contains("X-Disable-Provenance") ? NONE : API;
    }

    /**
     * Grafana's relaxed rule: any provenance may be kept or changed, except to none; a provisioned resource cannot be
     * taken over by a write that asks for none (as the UI's writes do).
     */
    static void requireChangeAllowed(String stored, String requested) {
        if (!stored.equals(NONE) && requested.equals(NONE)) {
            throw Json.fail(Json.messageWithTrace(400,
                    "cannot change provenance from '" + stored + "' to '" + requested + "'"));
        }
    }
}
