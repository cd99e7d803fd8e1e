package io.grafanaha.testkit.grafana;

/**
 * Ends request handling with a ready error answer; lets the save algorithms read as the numbered
 * steps of the reference instead of nested ifs.
 */
final class ApiException extends RuntimeException {
    private final transient ApiResponse response;

    ApiException(ApiResponse response) {
        super("HTTP " + response.status(), null, false, false);
        this.response = response;
    }

    ApiResponse response() {
        return response;
    }
}
