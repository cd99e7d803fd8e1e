package io.grafanaha.gateway.accesslog;

/**
 * Masks secret-looking query parameters of a request target before it is logged: {@code token},
 * {@code auth}, {@code api_key}, {@code apikey}, {@code access_token}, {@code password} and any name
 * containing one of them ({@code id_token}, {@code x-auth}, {@code new_password}...). Grafana's own
 * clients rarely put secrets in URLs, but render links, kiosk links and scripts do, and an access log
 * outlives the token.
 */
final class QueryMask {
    static final String MASK = "***";
    private static final String[] SECRET_WORDS = {"token", "auth", "api_key", "apikey", "api-key", "password", "passwd", "secret"};

    private QueryMask() {}

    static String mask(String target) {
        int q = target.indexOf('?');
        if (q < 0) {
            return target;
        }
        StringBuilder out = new StringBuilder(target.length()).append(target, 0, q + 1);
        int start = q + 1;
        while (start <= target.length()) {
            int end = target.indexOf('&', start);
            if (end < 0) {
                end = target.length();
            }
            appendParameter(out, target, start, end);
            if (end < target.length()) {
                out.append('&');
            }
            start = end + 1;
        }
        return out.toString();
    }

    private static void appendParameter(StringBuilder out, String target, int start, int end) {
        int eq = target.indexOf('=', start);
        if (eq < 0 || eq >= end) {
            out.append(target, start, end);
            return;
        }
        String name = target.substring(start, eq);
        if (secret(name)) {
            out.append(name).append('=').append(MASK);
        } else {
            out.append(target, start, end);
        }
    }

    static boolean secret(String name) {
        for (String word : SECRET_WORDS) {
            for (int at = 0; at + word.length() <= name.length(); at++) {
                if (name.regionMatches(true, at, word, 0, word.length())) { // no lower-cased copy per parameter
                    return true;
                }
            }
        }
        return false;
    }
}
