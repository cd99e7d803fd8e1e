package io.grafanaha.health.check;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The production {@link Probe}: {@code GET} with {@link HttpClient}. A pass is a 200 whose body says
 * {@code "database":"ok"} (Grafana's {@code /api/health}); a 4xx is a misconfiguration (wrong path, an
 * auth proxy in the way); any other status, a non-ok database, a timeout, a refused or reset
 * connection is a failure.
 */
public final class HttpProbe implements Probe {

    /*
     * Jackson is not on this module's classpath, and the only question is whether one string field
     * equals "ok". Grafana answers a tiny flat object ({"commit":..,"database":"ok","version":..}), so
     * a regex anchored on the quoted key and value is exact enough: "database":"failing", a missing
     * field, or an HTML error page all fail, and whitespace around the colon is allowed.
     */
    private static final Pattern DATABASE_OK = Pattern.compile("\"database\"\\s*:\\s*\"ok\"");
    /** Enough for Grafana's answer; a larger body is not a health document. */
    private static final int MAX_BODY_CHARS = 4096;

    private final HttpClient client;
    /** Who is checked, for a TLS failure's message ("TLS to backend a failed: ..."); empty: the url's host and port. */
    private final String backend;
    /** Whether {@code client} offers a client certificate: a TLS refusal then means that one was refused. */
    private final boolean clientCertificate;

    public HttpProbe(HttpClient client) {
        this(client, "", false);
    }

    /**
     * A probe of the backend named {@code backend} (which a TLS failure's message names) with a possibly shared
     * {@code client}, which offers a client certificate if {@code clientCertificate}.
     */
    public HttpProbe(HttpClient client, String backend, boolean clientCertificate) {
        this.client = Objects.requireNonNull(client, "client");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.clientCertificate = clientCertificate;
    }

    /** A probe with its own client: HTTP/1.1, no redirects (a redirect is not health). */
    public static HttpProbe create(Duration connectTimeout) {
        return new HttpProbe(builder(connectTimeout).build());
    }

    /** As {@link #create(Duration)}, checking https backends' certificates with {@code tls} (e.g. one that trusts their own CA). */
    public static HttpProbe create(Duration connectTimeout, SSLContext tls) {
        return new HttpProbe(builder(connectTimeout).sslContext(tls).build());
    }

    /** The client {@link #create(Duration, SSLContext)} makes, for a caller that shares it between probes. */
    public static HttpClient client(Duration connectTimeout, SSLContext tls) {
        return builder(connectTimeout).sslContext(tls).build();
    }

    private static HttpClient.Builder builder(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout);
    }

    @Override
    public CompletionStage<CheckResult> check(URI url, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET()
                .build();
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> exchange;
        try {
            exchange = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(
                    CheckResult.fail(0, Duration.ZERO, "cannot send check to " + url + ": " + e.getMessage()));
        }
        // The request timeout covers the response head; this also bounds a body that never ends.
        return exchange
                .orTimeout(timeout.toMillis() + 50, java.util.concurrent.TimeUnit.MILLISECONDS)
                .handle((response, error) -> {
                    Duration latency = Duration.ofNanos(System.nanoTime() - started);
                    if (error != null) {
                        exchange.cancel(true);
                        return CheckResult.fail(0, latency, describe(error, timeout, url));
                    }
                    return classify(response.statusCode(), response.body(), latency);
                });
    }

    /** The verdict for a response; pure, so every rule is tested without a server. */
    public static CheckResult classify(int status, String body, Duration latency) {
        if (status == 200) {
            String head = body == null ? "" : body.substring(0, Math.min(body.length(), MAX_BODY_CHARS));
            if (DATABASE_OK.matcher(head).find()) {
                return CheckResult.pass(status, latency).withBuild(GrafanaBuild.parse(head).orElse(null));
            }
            return CheckResult.fail(status, latency, "200 without \"database\":\"ok\"");
        }
        if (status >= 400 && status < 500) {
            return CheckResult.misconfigured(status, latency,
                    "HTTP " + status + ": check path or credentials are wrong (misconfiguration)");
        }
        String database = body != null && body.contains("\"failing\"") ? ", database failing" : "";
        return CheckResult.fail(status, latency, "HTTP " + status + database);
    }

    private String describe(Throwable error, Duration timeout, URI url) {
        // Certificate trouble is configuration, not load: say which backend and what to change.
        java.util.Optional<String> tls = TlsFailure.describe(error, clientCertificate);
        if (tls.isPresent()) {
            String who = backend.isEmpty() ? url.getAuthority() : backend;
            return "TLS to backend " + who + " failed: " + tls.get();
        }
        return describe(error, timeout);
    }

    private static String describe(Throwable error, Duration timeout) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return "connect timeout after " + timeout.toMillis() + "ms";
        }
        if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            return "timeout after " + timeout.toMillis() + "ms";
        }
        if (cause instanceof ConnectException) {
            return "connection refused";
        }
        if (cause instanceof IOException) {
            return "connection reset or closed: " + cause.getMessage();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
