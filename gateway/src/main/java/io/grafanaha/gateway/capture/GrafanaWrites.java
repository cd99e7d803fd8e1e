package io.grafanaha.gateway.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.proxy.LocalResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Recognises Grafana's dashboard, folder and library element writes by method and path, and reads what they change from
 * the body. Tolerant by design: a body that is not the JSON Grafana expects is simply not classified,
 * and the request goes to Grafana unchanged to be answered 400 there. Grafana 12's dashboard resource API
 * ({@code /apis/dashboard.grafana.app/...}) is read by {@link DashboardResources}.
 */
public final class GrafanaWrites {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DASHBOARD_MISMATCH =
            "{\"status\":\"version-mismatch\",\"message\":\"The dashboard has been changed by someone else\"}";
    private static final String FOLDER_MISMATCH =
            "{\"status\":\"version-mismatch\",\"message\":\"the folder has been changed by someone else\"}";

    private GrafanaWrites() {}

    /**
     * The kind of write {@code method} on {@code path} is, from those alone.
     *
     * @param path the request path without the query string, as sent (not percent-decoded)
     */
    public static Optional<GrafanaWrite.Kind> kind(String method, String path) {
        if (path != null && path.startsWith("/apis/")) {
            return notificationResource(method, path) ? Optional.of(GrafanaWrite.Kind.ALERTING_WRITE)
                    : DashboardResources.kind(method, path);
        }
        String[] s = segments(path);
        if (s == null) {
            return Optional.empty();
        }
        if (alerting(method, s)) {
            return Optional.of(GrafanaWrite.Kind.ALERTING_WRITE);
        }
        GrafanaWrite.Kind kind = switch (method) {
            case "POST" -> s.length == 3 && s[1].equals("dashboards") && s[2].equals("db") ? GrafanaWrite.Kind.DASHBOARD_SAVE
                    : s.length == 2 && s[1].equals("folders") ? GrafanaWrite.Kind.FOLDER_CREATE
                    : s.length == 4 && s[1].equals("folders") && s[3].equals("move") ? GrafanaWrite.Kind.FOLDER_MOVE
                    : s.length == 2 && s[1].equals("library-elements") ? GrafanaWrite.Kind.LIBRARY_PANEL_CREATE
                    : null;
            case "PUT" -> s.length == 3 && s[1].equals("folders") ? GrafanaWrite.Kind.FOLDER_UPDATE : null;
            case "PATCH" -> s.length == 3 && s[1].equals("library-elements") ? GrafanaWrite.Kind.LIBRARY_PANEL_UPDATE : null;
            case "DELETE" -> s.length == 4 && s[1].equals("dashboards") && s[2].equals("uid") ? GrafanaWrite.Kind.DASHBOARD_DELETE
                    : s.length == 3 && s[1].equals("folders") ? GrafanaWrite.Kind.FOLDER_DELETE
                    : s.length == 3 && s[1].equals("library-elements") ? GrafanaWrite.Kind.LIBRARY_PANEL_DELETE
                    : null;
            default -> null;
        };
        return Optional.ofNullable(kind);
    }

    /**
     * An alerting write: provisioning API, ruler API, or the Alertmanager configuration API that Grafana's UI saves
     * contact points, templates and policies with ({@code POST /api/alertmanager/grafana/config/api/v1/alerts};
     * grafana-api.md, alerting); the body does not matter. A test notification is not a write.
     */
    private static boolean alerting(String method, String[] s) {
        return (method.equals("POST") || method.equals("PUT") || method.equals("DELETE")) && s.length >= 4
                && (s[1].equals("v1") && s[2].equals("provisioning") || s[1].equals("ruler") && s[2].equals("grafana")
                || s[1].equals("alertmanager") && s[2].equals("grafana") && s[3].equals("config")
                && !s[s.length - 1].equals("test"));
    }

    /**
     * A write to Grafana 12's notification resources ({@code /apis/notifications.alerting.grafana.app/...}:
     * receivers, routing trees, templates, time intervals), which its alerting UI saves with; not a test of one.
     */
    private static boolean notificationResource(String method, String path) {
        return path.startsWith("/apis/notifications.alerting.grafana.app/") && !path.endsWith("/test")
                && (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")
                || method.equals("DELETE"));
    }

    /** Whether this is a dashboard load, {@code GET /api/dashboards/uid/:uid} (grafana-api.md §1.4). */
    public static boolean isDashboardLoad(String method, String path) {
        String[] s = segments(path);
        return method.equals("GET") && s != null && s.length == 4 && s[1].equals("dashboards") && s[2].equals("uid");
    }

    /** Whether this is a library panel load, {@code GET /api/library-elements/:uid}. */
    public static boolean isLibraryPanelLoad(String method, String path) {
        String[] s = segments(path);
        return method.equals("GET") && s != null && s.length == 3 && s[1].equals("library-elements");
    }

    /**
     * What the write does. Empty when {@code method} and {@code path} are not a write {@link #kind} knows,
     * when a uid in the path is not valid percent-encoding, or when a body that matters is not a JSON
     * object of the expected shape.
     */
    public static Optional<GrafanaWrite> classify(String method, String path, byte[] body) {
        Optional<GrafanaWrite.Kind> kind = kind(method, path);
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        if (kind.get() == GrafanaWrite.Kind.ALERTING_WRITE) {
            return Optional.of(new GrafanaWrite.AlertingWrite());
        }
        if (path.startsWith("/apis/")) {
            return DashboardResources.classify(method, path, body);
        }
        String[] s = segments(path);
        try {
            return Optional.ofNullable(switch (kind.get()) {
                case DASHBOARD_SAVE -> dashboardSave(object(body));
                case DASHBOARD_DELETE -> new GrafanaWrite.DashboardDelete(decode(s[3]));
                case FOLDER_CREATE -> folderCreate(object(body));
                case FOLDER_UPDATE -> folderUpdate(decode(s[2]), object(body));
                case FOLDER_DELETE -> new GrafanaWrite.FolderDelete(decode(s[2]));
                case FOLDER_MOVE -> folderMove(decode(s[2]), object(body));
                case DASHBOARD_RESOURCE_SAVE -> null; // under /apis/, classified above
                case LIBRARY_PANEL_CREATE -> object(body) == null ? null : new GrafanaWrite.LibraryPanelCreate();
                case LIBRARY_PANEL_UPDATE -> libraryPanelUpdate(decode(s[2]), object(body));
                case LIBRARY_PANEL_DELETE -> new GrafanaWrite.LibraryPanelDelete(decode(s[2]));
                case ALERTING_WRITE -> new GrafanaWrite.AlertingWrite();
            });
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The Grafana login of the caller when the gateway can tell without asking Grafana: the user name of
     * HTTP basic auth, else the {@code X-WEBAUTH-USER} header (auth proxy), else empty (Bearer tokens and
     * session cookies are opaque).
     *
     * @param headers header values by lower-case name
     */
    public static Optional<String> user(Map<String, List<String>> headers) {
        String authorization = first(headers, "authorization");
        if (authorization != null) {
            String value = authorization.trim();
            int space = value.indexOf(' ');
            if (space > 0 && value.substring(0, space).equalsIgnoreCase("Basic")) {
                try {
                    String decoded = new String(Base64.getDecoder().decode(value.substring(space + 1).trim()), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    String name = colon < 0 ? decoded : decoded.substring(0, colon);
                    if (!name.isEmpty()) {
                        return Optional.of(name);
                    }
                } catch (IllegalArgumentException e) {
                    // Not Base64: Grafana will answer 401; the header below may still name the user.
                }
            }
        }
        String proxied = first(headers, "x-webauth-user");
        return proxied == null || proxied.isBlank() ? Optional.empty() : Optional.of(proxied.trim());
    }

    /** Grafana's own answer to a dashboard saved over a newer version (grafana-api.md §1.3). */
    public static LocalResponse dashboardVersionMismatch() {
        return LocalResponse.json(412, DASHBOARD_MISMATCH);
    }

    /** Grafana's own answer to a folder updated over a newer version (grafana-api.md §1.8). */
    public static LocalResponse folderVersionMismatch() {
        return LocalResponse.json(412, FOLDER_MISMATCH);
    }

    private static GrafanaWrite dashboardSave(JsonNode root) {
        if (root == null || !root.path("dashboard").isObject()) {
            return null;
        }
        JsonNode dashboard = root.get("dashboard");
        return new GrafanaWrite.DashboardSave(text(dashboard, "uid"), number(dashboard, "version"),
                root.path("overwrite").asBoolean(false), text(root, "folderUid"));
    }

    private static GrafanaWrite folderCreate(JsonNode body) {
        return body == null ? null : new GrafanaWrite.FolderCreate(text(body, "uid"), text(body, "parentUid"));
    }

    private static GrafanaWrite folderUpdate(String uid, JsonNode body) {
        return body == null ? null : new GrafanaWrite.FolderUpdate(uid, number(body, "version"), body.path("overwrite").asBoolean(false));
    }

    private static GrafanaWrite folderMove(String uid, JsonNode body) {
        return body == null ? null : new GrafanaWrite.FolderMove(uid, text(body, "parentUid").orElse(""));
    }

    private static GrafanaWrite libraryPanelUpdate(String uid, JsonNode body) {
        return body == null ? null : new GrafanaWrite.LibraryPanelUpdate(uid, number(body, "version"));
    }

    /** The body as a JSON object, or null when it is not one. */
    static JsonNode object(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A non-empty string field. */
    static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty() ? Optional.of(value.asText()) : Optional.empty();
    }

    private static OptionalLong number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isIntegralNumber() ? OptionalLong.of(value.asLong()) : OptionalLong.empty();
    }

    /** The path's segments after the leading {@code /api}, or null when it is not under {@code /api/}. */
    private static String[] segments(String path) {
        if (path == null || !path.startsWith("/api/")) {
            return null;
        }
        String[] s = path.substring(5).split("/", -1);
        for (String segment : s) {
            if (segment.isEmpty()) {
                return null;
            }
        }
        String[] withApi = new String[s.length + 1];
        withApi[0] = "api";
        System.arraycopy(s, 0, withApi, 1, s.length);
        return withApi;
    }

    private static String decode(String segment) {
        return segment.indexOf('%') < 0 ? segment : URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
