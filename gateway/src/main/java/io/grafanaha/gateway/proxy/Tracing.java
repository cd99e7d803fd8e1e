package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.TracingConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The optional OTLP span export ({@code tracing.otlp-endpoint}): one SERVER span per proxied request, whose trace
 * id and span id are the ones the {@code traceparent} toward Grafana carries, so Grafana's spans are its children
 * and the client's span (when it sent one) its parent. Spans are handed to a batch processor whose queue the event
 * loop only offers to (a full queue drops spans; its own thread does the HTTP). Off ({@link #OFF}), a request costs
 * one branch more than {@link TraceContext#toBackend} alone.
 */
final class Tracing {
    static final Tracing OFF = new Tracing(null);
    /** How often the batch processor sends what it gathered (the SDK's default). */
    static final Duration EXPORT_DELAY = Duration.ofSeconds(5);
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<HttpHeaders> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
    private static final TextMapSetter<HttpHeaders> SETTER = (carrier, key, value) -> carrier.set(key, value);

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider == null ? null : provider.get("io.grafanaha.gateway");
    }

    /** The export {@code tracing} asks for, or {@link #OFF}; {@code exportDelay} is the batch's schedule. */
    static Tracing open(TracingConfig config, Duration exportDelay) {
        if (!config.enabled()) {
            return OFF;
        }
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(config.otlpEndpoint().orElseThrow().toString())
                .build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, config.serviceName()))))
                // A client's sampled flag decides for the trace it continues; the ratio only for traces begun here.
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sample())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(exportDelay).build())
                .build();
        return new Tracing(provider);
    }

    /**
     * Rewrites {@code request}'s trace context into what the backend should see (see {@link TraceContext}) and,
     * with the export on, starts the request's span whose ids that context carries. Null when off.
     */
    RequestSpan toBackend(HttpRequest request, String path) {
        if (tracer == null) {
            TraceContext.toBackend(request.headers());
            return null;
        }
        HttpHeaders headers = request.headers();
        Context parent = TraceContext.valid(headers.get(TraceContext.TRACEPARENT))
                ? W3C.extract(Context.root(), headers, GETTER)
                : Context.root();
        // Removed first: the injection below writes tracestate only when the parent had one.
        headers.remove(TraceContext.TRACEPARENT);
        headers.remove(TraceContext.TRACESTATE);
        String method = request.method().name();
        Span span = tracer.spanBuilder(method)
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setAttribute(RequestSpan.METHOD, method)
                .setAttribute(RequestSpan.PATH, path)
                .startSpan();
        W3C.inject(parent.with(span), headers, SETTER);
        return new RequestSpan(span);
    }

    /** Sends what is queued (waiting at most a few seconds for the collector) and stops the batch thread. */
    void close() {
        if (provider != null) {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
