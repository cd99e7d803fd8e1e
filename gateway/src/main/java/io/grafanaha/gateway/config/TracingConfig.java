package io.grafanaha.gateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.Set;

/**
 * {@code tracing}: one OpenTelemetry SERVER span per proxied request, exported over OTLP/HTTP (protobuf) to
 * {@code otlpEndpoint} (an OpenTelemetry Collector's or Tempo's {@code /v1/traces}); absent means off, the default.
 * {@code sample} is the share of new traces the gateway records (a client's sampled flag decides for the traces it
 * continues); {@code serviceName} is the {@code service.name} the spans carry.
 */
public record TracingConfig(Optional<URI> otlpEndpoint, double sample, String serviceName) {
    public static final String DEFAULT_SERVICE_NAME = "grafana-ha-gateway";
    public static final TracingConfig OFF = new TracingConfig(Optional.empty(), 1.0, DEFAULT_SERVICE_NAME);

    public TracingConfig {
        if (!(sample >= 0 && sample <= 1)) {
            throw new IllegalArgumentException("sample must be between 0 and 1: " + sample);
        }
    }

    /** Every request's span sent to {@code endpoint}. */
    public static TracingConfig to(URI endpoint) {
        return new TracingConfig(Optional.of(endpoint), 1.0, DEFAULT_SERVICE_NAME);
    }

    public boolean enabled() {
        return otlpEndpoint.isPresent();
    }

    static TracingConfig read(Section t) {
        t.rejectUnknown(Set.of("otlp-endpoint", "sample", "service-name"));
        Optional<URI> endpoint = t.text("otlp-endpoint").map(String::trim).filter(s -> !s.isEmpty()).flatMap(s -> {
            try {
                URI uri = new URI(s);
                String scheme = uri.getScheme();
                if (("http".equals(scheme) || "https".equals(scheme)) && uri.getHost() != null) {
                    return Optional.of(uri);
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            t.problem("otlp-endpoint", "\"" + s + "\" is not an http(s) URL (write e.g. http://127.0.0.1:4318/v1/traces)");
            return Optional.empty();
        });
        double sample = t.parsed("sample", 1.0, Values::share, "a share between 0 and 1 (e.g. 0.1 records one new trace in ten)");
        String serviceName = t.string("service-name", DEFAULT_SERVICE_NAME).trim();
        if (serviceName.isEmpty()) {
            t.problem("service-name", "must not be empty");
            serviceName = DEFAULT_SERVICE_NAME;
        }
        return new TracingConfig(endpoint, sample, serviceName);
    }
}
