package io.grafanaha.sync.grafana;

import java.io.IOException;

/** A Grafana API call that failed: names the backend, the call and what Grafana answered. */
public final class GrafanaApiException extends IOException {
    private final String backend;
    private final int status;

    public GrafanaApiException(String backend, String call, int status, String detail) {
        super(backend + ": " + call + " -> " + (status > 0 ? "HTTP " + status + " " : "") + detail);
        this.backend = backend;
        this.status = status;
    }

    public GrafanaApiException(String backend, String call, Throwable cause) {
        super(backend + ": " + call + " failed: " + cause, cause);
        this.backend = backend;
        this.status = 0;
    }

    public String backend() {
        return backend;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }
}
