package io.grafanaha.testkit.faults;

/** An API call the server refuses, answered as Toxiproxy does: {@code {"error": message, "status": status}}. */
final class ApiException extends RuntimeException {

    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
