package io.grafanaha.testkit.grafana;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A decoded request as the API handlers see it; {@code login} is set once authentication passed;
 * {@code remote} is the TCP peer (Go's {@code RemoteAddr}), which the auth proxy whitelist is matched against.
 */
record ApiRequest(String method, String path, Map<String, List<String>> query, HttpHeaders headers, byte[] body, String login,
                  Map<String, String> params, InetSocketAddress remote) {

    ApiRequest withLogin(String value) {
        return new ApiRequest(method, path, query, headers, body, value, params, remote);
    }

    ApiRequest withParams(Map<String, String> value) {
        return new ApiRequest(method, path, query, headers, body, login, value, remote);
    }

    String param(String name) {
        return params.get(name);
    }

    Optional<String> queryFirst(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Go's {@code c.QueryInt}: absent or unparsable → the default. */
    int queryInt(String name, int fallback) {
        try {
            return queryFirst(name).map(String::trim).map(Integer::parseInt).orElse(fallback);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** All values of a repeatable parameter, also splitting comma lists ({@code folderUIDs=a,b&folderUIDs=c}). */
    List<String> queryList(String name) {
        return query.getOrDefault(name, List.of()).stream()
                .flatMap(v -> java.util.Arrays.stream(v.split(",")))
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .toList();
    }
}
