package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.accesslog.AccessLine;
import io.grafanaha.gateway.accesslog.AccessLogWriter;
import io.grafanaha.gateway.accesslog.AccessRecord;
import io.grafanaha.gateway.accesslog.AccessUser;
import io.grafanaha.gateway.config.AccessLogConfig;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.gateway.config.TrustedProxies;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The listener's side of the access log: starts an {@link Entry} when a request head arrives and hands the
 * finished entry to the {@link AccessLogWriter}, which queues it and returns (the line is built on its own
 * thread). On the event loop a request costs a clock read, a few header look-ups, one small object (the entry,
 * queued as it is) and a lock-free queue offer: no text is formatted there, and the client address's text is kept per
 * event loop while the same address asks again ({@link AddressText}).
 * A sample below 1 keeps that share of ordinary requests; answers of 500 and above are always written.
 */
final class AccessLog {
    static final AccessLog OFF = new AccessLog(null, 1, AccessUser.NONE, TrustedProxies.NONE, Clock.systemUTC());
    static final AsciiString X_DASHBOARD_UID = AsciiString.cached("x-dashboard-uid");
    static final AsciiString X_PANEL_ID = AsciiString.cached("x-panel-id");

    private final AccessLogWriter writer;
    private final double sample;
    private final AccessUser user;
    private final TrustedProxies trusted;
    private final Clock clock;
    /** The listener's access log as {@code access-log} says ({@link #OFF} when off), its dropped lines counted. */
    static AccessLog open(GatewayConfig config, AccessUser user, MeterRegistry registry) {
        AccessLogConfig settings = config.accessLog();
        AccessLogWriter writer = settings.enabled() ? AccessLogWriter.open(settings).orElse(null) : null;
        if (writer == null) {
            return OFF;
        }
        FunctionCounter.builder("gateway.access.log.dropped", writer, AccessLogWriter::dropped)
                .description("Access-log lines dropped because the writer could not keep up (the event loop never waits for it)")
                .register(registry);
        return new AccessLog(writer, settings.sample(), user, config.proxy().trustedProxies(), Clock.systemUTC());
    }

    AccessLog(AccessLogWriter writer, double sample, AccessUser user, TrustedProxies trusted, Clock clock) {
        this.writer = writer;
        this.sample = sample;
        this.user = user;
        this.trusted = trusted;
        this.clock = clock;
    }

    /**
     * A new entry for the request whose head just arrived, or null when the log is off. {@code protocol}: what the
     * client spoke, which for an HTTP/2 stream is not the HTTP/1.1 of the objects it was turned into.
     */
    Entry begin(HttpRequest request, String protocol, InetSocketAddress peer, String requestId, long startNanos) {
        if (writer == null) {
            return null;
        }
        HttpHeaders h = request.headers();
        String who;
        try {
            who = user.user(request);
        } catch (RuntimeException e) {
            who = null; // the log must never fail a request
        }
        return new Entry(clock.millis(), startNanos, client(h, peer), who,
                request.method().name(), request.uri(), protocol, requestId,
                h.get(TraceContext.TRACEPARENT), h.get(X_DASHBOARD_UID), h.get(X_PANEL_ID),
                h.get(HttpHeaderNames.USER_AGENT), h.get(HttpHeaderNames.REFERER));
    }

    private String client(HttpHeaders h, InetSocketAddress peer) {
        InetAddress address = peer.getAddress();
        if (address == null || trusted.trusts(address)) {
            return HeaderPolicy.clientAddress(h, peer, trusted); // a proxy in front names the client in its headers
        }
        return AddressText.of(peer);
    }

    /** Writes what is queued and closes the file. */
    void close() {
        if (writer != null) {
            writer.close();
        }
    }

    /** The request is answered (or its tunnel closed): its line goes to the writer's queue if sampled. */
    void end(Entry e, int status, long bytesOut) {
        if (status < 500 && sample < 1 && ThreadLocalRandom.current().nextDouble() >= sample) {
            return;
        }
        e.end(status, bytesOut, System.nanoTime());
        writer.write(e); // its record is built on the writer's thread
    }

    /**
     * One request's facts, filled in on its event loop as they become known: the backend of each attempt,
     * why it was retried, the body bytes read. Once ended it is queued as it is and never changed again (the
     * queue's hand-over publishes it), and the writer's thread turns it into an immutable {@link AccessRecord}.
     */
    static final class Entry implements AccessLine {
        private final long startMillis;
        private final long startNanos;
        private final String client;
        private String user;
        private final String method;
        private final String target;
        private final String protocol;
        private final String requestId;
        private String traceparent;
        private final String dashboardUid;
        private final String panelId;
        private final String userAgent;
        private final String referer;
        private String backend = ProxyMetrics.NO_BACKEND;
        private int attempts;
        private String retryCause;
        private long bytesIn;
        private boolean websocket;
        private int status;
        private long bytesOut;
        private long endNanos;

        Entry(long startMillis, long startNanos, String client, String user, String method, String target, String protocol,
              String requestId, String traceparent, String dashboardUid, String panelId, String userAgent, String referer) {
            this.startMillis = startMillis;
            this.startNanos = startNanos;
            this.client = client;
            this.user = user;
            this.method = method;
            this.target = target;
            this.protocol = protocol;
            this.requestId = requestId;
            this.traceparent = traceparent;
            this.dashboardUid = dashboardUid;
            this.panelId = panelId;
            this.userAgent = userAgent;
            this.referer = referer;
        }

        /** The gateway answers it itself ({@code gateway}) or no backend is tried ({@code none}). */
        /** The user the sign-in gate found (it decides after the entry began). */
        void user(String login) {
            user = login;
        }

        void answeredBy(String name) {
            backend = name;
        }

        /** A try at {@code name} begins. */
        void attempt(String name) {
            backend = name;
            attempts++;
        }

        void retried(RetryCause cause) {
            retryCause = cause.label();
        }

        /** The trace context sent to the backend (a child of the client's). */
        void traceparent(String value) {
            traceparent = value;
        }

        void bodyRead(long bytes) {
            bytesIn += bytes;
        }

        void websocket() {
            websocket = true;
        }

        /** The answer is complete (or the tunnel closed): the last facts, set just before it is queued. */
        void end(int status, long bytesOut, long nowNanos) {
            this.status = status;
            this.bytesOut = bytesOut;
            this.endNanos = nowNanos;
        }

        @Override
        public AccessRecord record() {
            return new AccessRecord(startMillis, client, user, method, target, protocol, status, bytesIn, bytesOut,
                    endNanos - startNanos, backend, attempts, retryCause, requestId, traceparent, dashboardUid, panelId,
                    userAgent, referer, websocket);
        }
    }
}
