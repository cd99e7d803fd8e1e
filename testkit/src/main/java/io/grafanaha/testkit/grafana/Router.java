package io.grafanaha.testkit.grafana;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Method + path pattern ({@code /api/folders/:uid}) → handler. HEAD is served by GET routes. */
final class Router {
    interface Handler {
        ApiResponse handle(ApiRequest request);
    }

    record Match(Handler handler, Map<String, String> params) {
    }

    private record Route(String method, String[] segments, Handler handler) {
    }

    private final List<Route> routes = new ArrayList<>();

    void add(String method, String pattern, Handler handler) {
        routes.add(new Route(method, split(pattern), handler));
    }

    Optional<Match> match(String method, String path) {
        String wanted = "HEAD".equals(method) ? "GET" : method;
        String[] actual = split(path);
        for (Route route : routes) {
            if (!route.method().equals(wanted) || route.segments().length != actual.length) {
                continue;
            }
            Map<String, String> params = new HashMap<>();
            boolean ok = true;
            for (int i = 0; i < actual.length && ok; i++) {
                String seg = route.segments()[i];
                if (seg.startsWith(":")) {
                    params.put(seg.substring(1), actual[i]);
                } else {
                    ok = seg.equals(actual[i]);
                }
            }
            if (ok) {
                return Optional.of(new Match(route.handler(), params));
            }
        }
        return Optional.empty();
    }

    private static String[] split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        return trimmed.split("/", -1);
    }
}
