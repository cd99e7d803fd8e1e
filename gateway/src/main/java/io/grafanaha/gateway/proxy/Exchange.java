package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.grafanaha.health.Outcome;
import io.grafanaha.health.Route;
import io.grafanaha.health.RouteRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, streamed between a client channel and a backend channel that share
 * an event loop (so no field needs to be volatile). Each direction reads its source again only when
 * the previous write to the other side has been flushed: that is the whole backpressure story.
 *
 * <p>An exchange may make several attempts, each on a different backend (see {@link RetryCause} for
 * which failures qualify). Nothing reaches the client until an attempt's response head is accepted,
 * so a retried attempt leaves no trace there; the body chunks handed to a backend are kept in a
 * {@link ReplayBuffer} so the next attempt can send them again.
 */
final class Exchange implements RequestSink {
    /** Methods that may be sent again after the backend may have seen them (HAProxy's "http-reuse safe", nginx, Zuul). */
    private static final java.util.Set<String> SAFE_METHODS = java.util.Set.of("GET", "HEAD", "OPTIONS");
    /** How much of a watched write's response is copied for the {@link EditObserver}. */
    static final int MAX_OBSERVED_RESPONSE = 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    private final FrontendHandler frontend;
    private final ProxyContext proxy;
    private final Channel client;
    private final HttpRequest request;
    private final HttpMethod method;
    private final HttpVersion clientVersion;
    private final boolean clientKeepAlive;
    private final boolean upgrade;
    private final long startNanos = System.nanoTime();
    private final boolean safeMethod;
    private final ReplayBuffer body = new ReplayBuffer();

    private Backend backend;
    /** The router's answer for the current attempt: the backend and whether to set the sticky cookie. */
    private Route picked;
    private RouteRequest route;
    private int retriesMade;
    /** Whether anything (an interim response included) has been written to the client. */
    private boolean clientTouched;
    /** The current attempt's response is the backend's own 502/503/504; already reported as such. */
    private boolean gatewayStatus;
    private Channel backendChannel;
    private int writesInFlight;
    private boolean requestQueued;
    private boolean requestDone;
    private boolean interim;
    private boolean responseStarted;
    private boolean responseDone;
    private boolean backendReusable;
    private boolean keepClient;
    private boolean ended;
    private int status;
    private boolean backendNeedsFlush;
    private boolean reusedConnection;
    private boolean replayed;
    private ChannelFuture lastClientWrite;
    private ScheduledFuture<?> responseTimer;
    private ScheduledFuture<?> tryTimer;
    /** A watched Grafana write whose 2xx response goes to the edit observer; null for everything else. */
    private WatchedRequest watched;
    /** The current attempt's 2xx response body, copied for the observer. */
    private ResponseTee tee;
    /** The backend was marked down while this attempt was connecting to it. */
    private boolean leaveOnConnect;

    Exchange(FrontendHandler frontend, ProxyContext proxy, Channel client, Route picked, RouteRequest route,
             HttpRequest request, HttpVersion clientVersion, boolean clientKeepAlive, boolean upgrade) {
        this.frontend = frontend;
        this.proxy = proxy;
        this.client = client;
        this.backend = picked.backend();
        this.picked = picked;
        this.route = route;
        this.request = request;
        this.method = request.method();
        this.clientVersion = clientVersion;
        this.clientKeepAlive = clientKeepAlive;
        this.upgrade = upgrade;
        this.safeMethod = SAFE_METHODS.contains(method.name());
    }

    /** Tells the edit observer about this request's response if it is a 2xx. Before {@link #start()}. */
    void observe(WatchedRequest request) {
        this.watched = request;
    }

    void start() {
        boolean down = proxy.waiting().add(this, backend.name());
        proxy.drain().exchangeStarted();
        proxy.retries().budget().requestStarted();
        if (down) {
            backendDown(backend.name());
        }
        proxy.pool().acquire(client.eventLoop(), backend).addListener(f -> connected((Future<Channel>) f));
    }

    // ---- client -> backend

    @Override
    public boolean canWriteRequestBody() {
        return backendChannel != null && !ended;
    }

    /** Whether the frontend should read from the client now: to stream the body, or to notice a close. */
    @Override
    public boolean wantsClientRead() {
        return backendChannel != null && !ended && writesInFlight == 0 && !(upgrade && requestQueued);
    }

    @Override
    public boolean requestDone() {
        return requestDone;
    }

    @Override
    public void writeRequestBody(HttpContent content) {
        body.add(content);
        writeToBackend(content, content instanceof LastHttpContent);
    }

    /** One flush for everything the frontend handed over in one pass: the request line and a small body go in one packet. */
    @Override
    public void flushBackend() {
        if (backendNeedsFlush && backendChannel != null) {
            backendNeedsFlush = false;
            backendChannel.flush();
        }
    }

    private void connected(Future<Channel> connect) {
        if (!connect.isSuccess()) {
            if (ended) {
                return;
            }
            Throwable cause = connect.cause();
            if (cause instanceof ConnectTimeoutException) {
                attemptFailed(Outcome.CONNECT_TIMEOUT, RetryCause.CONNECT_TIMEOUT, HttpResponseStatus.GATEWAY_TIMEOUT, "Grafana backend "
                        + backend.name() + " did not accept a connection within " + proxy.timeouts().connectTimeout().toMillis() + " ms");
            } else if (cause instanceof ConnectException) {
                attemptFailed(Outcome.CONNECT_REFUSED, RetryCause.CONNECT_REFUSED, HttpResponseStatus.BAD_GATEWAY,
                        "Grafana backend " + backend.name() + " refused the connection");
            } else {
                attemptFailed(Outcome.RESET, RetryCause.CONNECT_REFUSED, HttpResponseStatus.BAD_GATEWAY,
                        "could not connect to Grafana backend " + backend.name() + ": " + cause.getMessage());
            }
            return;
        }
        Channel channel = connect.getNow();
        if (ended) {
            proxy.pool().release(channel, backend);
            return;
        }
        backendChannel = channel;
        reusedConnection = BackendHandler.of(channel).attach(this);
        writeToBackend(request, false);
        // A later attempt: what the client already sent goes again, the rest follows from the frontend.
        for (HttpContent chunk : body.replay()) {
            writeToBackend(chunk, chunk instanceof LastHttpContent);
        }
        frontend.drain();
        flushBackend();
        if (leaveOnConnect && !ended && retryElsewhere(RetryCause.BACKEND_DOWN)) {
            return;
        }
        channel.read();
    }

    private void writeToBackend(Object msg, boolean last) {
        writesInFlight++;
        if (last) {
            requestQueued = true;
        }
        Channel target = backendChannel;
        backendNeedsFlush = true;
        target.write(msg).addListener((ChannelFutureListener) f -> {
            if (ended || target != backendChannel) {
                return;
            }
            writesInFlight--;
            if (!f.isSuccess()) {
                onBackendClosed(f.cause());
                return;
            }
            if (last) {
                requestDone = true;
                if (!responseStarted) {
                    long timeout = proxy.timeouts().responseTimeout().toMillis();
                    responseTimer = client.eventLoop().schedule(this::responseTimedOut, timeout, TimeUnit.MILLISECONDS);
                    long tryTimeout = proxy.retries().tryTimeoutMillis();
                    if (safeMethod && tryTimeout > 0 && tryTimeout < timeout) {
                        tryTimer = client.eventLoop().schedule(this::tryTimedOut, tryTimeout, TimeUnit.MILLISECONDS);
                    }
                }
                maybeEnd();
            }
            if (!ended) {
                frontend.drain();
            }
        });
    }

    // ---- backend -> client

    void onBackendMessage(Object msg) {
        if (ended) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            attemptFailed(Outcome.INVALID_RESPONSE, null, HttpResponseStatus.BAD_GATEWAY,
                    "Grafana backend " + backend.name() + " sent an invalid response: " + o.decoderResult().cause().getMessage());
            return;
        }
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            var ambiguous = FramingValidator.checkResponse(response);
            if (ambiguous.isPresent()) {
                attemptFailed(Outcome.INVALID_RESPONSE, null, HttpResponseStatus.BAD_GATEWAY,
                        "Grafana backend " + backend.name() + " sent an ambiguous response: " + ambiguous.get());
                return;
            }
            RetryCause statusCause = RetryCause.ofStatus(code);
            if (statusCause != null) {
                gatewayStatus = true;
                proxy.outcomes().onOutcome(backend, Outcome.GATEWAY_STATUS);
                if (retryElsewhere(statusCause)) {
                    // The rest of this response is dropped with its connection (closed by the retry).
                    ReferenceCountUtil.release(msg);
                    return;
                }
            }
            if (code == 101 && upgrade) {
                switchProtocols(response);
                return;
            }
            if (code < 200) {
                interim = true;
                HeaderPolicy.stripHopByHop(response.headers());
            } else {
                startResponse(response);
            }
            clientTouched = true;
            lastClientWrite = client.write(msg);
            return;
        }
        if (msg instanceof HttpContent content) {
            if (tee != null && !interim) {
                tee.add(content.content());
            }
            lastClientWrite = client.write(content);
            if (content instanceof LastHttpContent) {
                if (interim) {
                    interim = false;
                    return;
                }
                responseDone = true;
                proxy.metrics().request(backend.name(), method, status, startNanos);
                if (!gatewayStatus) {
                    proxy.outcomes().onOutcome(backend, Outcome.SUCCESS);
                }
                ResponseTee observed = tee;
                tee = null;
                maybeEnd();
                if (observed != null) {
                    reportSuccess(observed);
                }
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void startResponse(HttpResponse response) {
        cancelTimer();
        responseStarted = true;
        status = response.status().code();
        boolean framed = HttpUtil.isContentLengthSet(response) || HttpUtil.isTransferEncodingChunked(response)
                || HttpMethod.HEAD.equals(method) || status == 204 || status == 304;
        backendReusable = framed && HttpUtil.isKeepAlive(response);
        keepClient = HeaderPolicy.toClient(response, method, clientVersion, clientKeepAlive && !proxy.drain().draining());
        stickTo(response);
        if (watched != null && status >= 200 && status < 300) {
            boolean gzip = response.headers().containsValue(HttpHeaderNames.CONTENT_ENCODING, "gzip", true);
            tee = new ResponseTee(MAX_OBSERVED_RESPONSE, gzip);
        }
    }

    /** Hands the finished 2xx response of a watched write to the observer, whose failures stay its own. */
    private void reportSuccess(ResponseTee observed) {
        try {
            proxy.editObserver().afterSuccess(backend, watched, status, observed.body());
        } catch (RuntimeException e) {
            log.warn("edit observer failed after {} {} answered {} by {}", watched.method(), watched.uri(), status, backend.name(), e);
        }
    }

    /**
     * Load balancing with affinity: tells the client which backend served it when the router says its
     * cookie does not. A session cookie (no Max-Age), so affinity never outlives the browser session.
     */
    private void stickTo(HttpResponse response) {
        String cookie = proxy.stickyCookie();
        if (!picked.setAffinity() || cookie == null || cookie.isEmpty()) {
            return;
        }
        response.headers().add(HttpHeaderNames.SET_COOKIE, StickyCookie.setCookie(cookie, backend.name()));
    }

    void onBackendReadComplete() {
        if (ended) {
            return;
        }
        client.flush();
        ChannelFuture write = lastClientWrite;
        lastClientWrite = null;
        if (write == null) {
            backendChannel.read();
            return;
        }
        write.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                clientClosed();
            } else if (!ended) {
                backendChannel.read();
            }
        });
    }

    private void switchProtocols(HttpResponse response) {
        responseStarted = true;
        clientTouched = true;
        status = 101;
        end();
        proxy.metrics().request(backend.name(), method, status, startNanos);
        proxy.outcomes().onOutcome(backend, Outcome.SUCCESS);
        boolean websocket = response.headers().containsValue(HttpHeaderNames.UPGRADE, "websocket", true);
        HeaderPolicy.toClientSwitching(response);
        client.write(response);
        client.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        Tunnel.open(client, backendChannel, backend.name(), websocket, proxy);
        frontend.upgraded();
    }

    // ---- endings

    private void maybeEnd() {
        if (ended || !responseDone) {
            return;
        }
        if (requestDone) {
            end();
            BackendHandler.of(backendChannel).detach();
            if (backendReusable) {
                proxy.pool().release(backendChannel, backend);
            } else {
                backendChannel.close();
            }
            client.flush();
            frontend.exchangeFinished(keepClient);
        } else if (!requestQueued) {
            // The backend answered before the body ended (e.g. 413): the rest of the body has nowhere to go.
            end();
            backendChannel.close();
            client.flush();
            frontend.exchangeFinished(false);
        }
    }

    EventLoop eventLoop() {
        return client.eventLoop();
    }

    /**
     * Health checks marked {@code down} down. If this attempt is a safe request still waiting there for
     * response headers, it goes elsewhere now: the checks have already judged the backend, so waiting
     * out the response timeout would only make the user wait. Still connecting, it goes once the
     * connection is up and the request is in hand. If no retry is allowed, it keeps waiting.
     */
    void backendDown(String down) {
        if (ended || responseStarted || clientTouched || !safeMethod || !backend.name().equals(down)) {
            return;
        }
        if (backendChannel == null) {
            leaveOnConnect = true;
            return;
        }
        retryElsewhere(RetryCause.BACKEND_DOWN);
    }

    /**
     * A safe request still unanswered after {@code routing.try-timeout} goes to another backend if a retry is
     * allowed; the slow backend is not reported as failing (a slow answer is not a dead backend: the health checks
     * judge that). Otherwise it keeps waiting for the response timeout.
     */
    private void tryTimedOut() {
        tryTimer = null;
        if (!ended && !responseStarted) {
            retryElsewhere(RetryCause.TRY_TIMEOUT);
        }
    }

    private void responseTimedOut() {
        if (!ended && !responseStarted) {
            attemptFailed(Outcome.RESPONSE_TIMEOUT, RetryCause.RESPONSE_TIMEOUT, HttpResponseStatus.GATEWAY_TIMEOUT, "Grafana backend "
                    + backend.name() + " did not answer within " + proxy.timeouts().responseTimeout().toMillis() + " ms");
        }
    }

    void onBackendClosed(Throwable cause) {
        if (ended) {
            return;
        }
        if (reusedConnection && safeMethod && body.complete() && !replayed && !clientTouched) {
            replayOnFreshConnection();
            return;
        }
        String why = cause == null ? "closed the connection" : "failed: " + cause.getMessage();
        RetryCause retry = responseStarted ? null : RetryCause.RESET;
        attemptFailed(Outcome.RESET, retry, HttpResponseStatus.BAD_GATEWAY,
                "Grafana backend " + backend.name() + " " + why + " before the response ended");
    }

    /**
     * A pooled connection the backend had closed while idle (the keep-alive race): nothing was answered,
     * and a safe, fully buffered request may go again, once, on a new connection to the same backend.
     * This is not a retry (the backend is not at fault), so it costs no budget.
     */
    private void replayOnFreshConnection() {
        replayed = true;
        resetAttempt();
        proxy.pool().acquireFresh(client.eventLoop(), backend).addListener(f -> connected((Future<Channel>) f));
    }

    /**
     * Sends the request to another backend if {@code cause} allows it for this request and the
     * attempts, the router and the budget agree. Returns false (after counting why) when it does not.
     */
    private boolean retryElsewhere(RetryCause cause) {
        String refusal = retryRefusal(cause);
        if (refusal != null) {
            skipped(cause, refusal);
            return false;
        }
        RouteRequest next = route.excluding(backend.name());
        Optional<Route> other = proxy.router().pick(next);
        if (other.isEmpty()) {
            skipped(cause, "no-other-backend");
            return false;
        }
        if (cause.drawsOnBudget() && !proxy.retries().budget().tryAcquire()) {
            skipped(cause, "budget-exhausted");
            return false;
        }
        proxy.metrics().retry(backend.name(), cause);
        retriesMade++;
        resetAttempt();
        picked = other.get();
        backend = picked.backend();
        route = next;
        replayed = false;
        client.eventLoop().schedule(() -> {
            if (!ended) {
                proxy.pool().acquire(client.eventLoop(), backend).addListener(f -> connected((Future<Channel>) f));
            }
        }, proxy.retries().delayMillis(retriesMade), TimeUnit.MILLISECONDS);
        return true;
    }

    /**
     * Counts a retryable failure that was not retried. A move off a backend marked down that cannot
     * happen is not one: the request has not failed, it keeps waiting (e.g. on the last resort).
     */
    private void skipped(RetryCause cause, String reason) {
        if (cause != RetryCause.BACKEND_DOWN) {
            proxy.metrics().retrySkipped(reason);
        }
    }

    /** Why this request must not go elsewhere after {@code cause}, or null when it may. */
    private String retryRefusal(RetryCause cause) {
        if (clientTouched) {
            return "response-started";
        }
        if (!cause.beforeSend() && !safeMethod) {
            return "unsafe-method";
        }
        if (cause.beforeSend() ? !body.intact() : !body.complete()) {
            return "body-not-replayable";
        }
        if (retriesMade >= proxy.retries().maxRetries()) {
            return "attempts-exhausted";
        }
        return null;
    }

    /** Drops the current backend connection and forgets its progress; the body stays in the replay buffer. */
    private void resetAttempt() {
        cancelTimer();
        closeBackend();
        backendChannel = null;
        leaveOnConnect = false;
        writesInFlight = 0;
        backendNeedsFlush = false;
        requestQueued = false;
        requestDone = false;
        reusedConnection = false;
        responseStarted = false;
        interim = false;
        gatewayStatus = false;
        status = 0;
        lastClientWrite = null;
        tee = null;
    }

    /** The request body was malformed after the headers had been forwarded: both connections are spoiled. */
    @Override
    public void requestFramingFailed(Rejection rejection) {
        if (ended) {
            return;
        }
        end();
        closeBackend();
        if (responseStarted) {
            client.close();
            frontend.exchangeAborted();
        } else {
            proxy.metrics().request(backend.name(), method, rejection.status().code(), startNanos);
            frontend.exchangeFailed(rejection);
        }
    }

    /** The client went away: free the backend connection at once, it cannot be reused mid-exchange. */
    @Override
    public void clientClosed() {
        if (ended) {
            return;
        }
        end();
        closeBackend();
        proxy.metrics().request(backend.name(), method, ProxyMetrics.CLIENT_CLOSED, startNanos);
        client.close();
        frontend.exchangeAborted();
    }

    /**
     * The current attempt failed: tell passive detection, then try another backend if {@code retry}
     * (null: not retryable) allows, else give the client {@code errorStatus}.
     */
    private void attemptFailed(Outcome outcome, RetryCause retry, HttpResponseStatus errorStatus, String message) {
        if (ended) {
            return;
        }
        proxy.outcomes().onOutcome(backend, outcome);
        if (retry != null && retryElsewhere(retry)) {
            return;
        }
        fail(errorStatus, message);
    }

    private void fail(HttpResponseStatus errorStatus, String message) {
        if (ended) {
            return;
        }
        end();
        closeBackend();
        if (responseStarted) {
            // Part of the response is already with the client; truncating is the only honest signal left.
            proxy.metrics().request(backend.name(), method, status, startNanos);
            client.close();
            frontend.exchangeAborted();
        } else {
            proxy.metrics().request(backend.name(), method, errorStatus.code(), startNanos);
            frontend.exchangeFailed(new Rejection(errorStatus, message));
        }
    }

    private void end() {
        ended = true;
        proxy.waiting().remove(this);
        cancelTimer();
        body.release();
        proxy.drain().exchangeEnded();
    }

    private void closeBackend() {
        if (backendChannel != null) {
            BackendHandler handler = BackendHandler.of(backendChannel);
            if (handler != null) {
                handler.detach();
            }
            backendChannel.close();
        }
    }

    private void cancelTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
        if (tryTimer != null) {
            tryTimer.cancel(false);
            tryTimer = null;
        }
    }
}
