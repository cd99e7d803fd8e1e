package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.grafanaha.health.Outcome;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpContent;
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
import java.util.concurrent.TimeUnit;

/**
 * One request and its response, streamed between a client channel and a backend channel that share
 * an event loop (so no field needs to be volatile). Each direction reads its source again only when
 * the previous write to the other side has been flushed: that is the whole backpressure story.
 */
final class Exchange {
    /** Methods that may be sent again after a pooled connection turned out to be closed (HAProxy's "http-reuse safe"). */
    private static final java.util.Set<String> SAFE_METHODS = java.util.Set.of("GET", "HEAD", "OPTIONS");

    private final FrontendHandler frontend;
    private final ProxyContext proxy;
    private final Channel client;
    private final Backend backend;
    private final HttpRequest request;
    private final HttpMethod method;
    private final HttpVersion clientVersion;
    private final boolean clientKeepAlive;
    private final boolean upgrade;
    private final long startNanos = System.nanoTime();
    private final boolean replayable;

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
    private boolean resendLast;
    private ChannelFuture lastClientWrite;
    private ScheduledFuture<?> responseTimer;

    Exchange(FrontendHandler frontend, ProxyContext proxy, Channel client, Backend backend, HttpRequest request,
             HttpVersion clientVersion, boolean clientKeepAlive, boolean upgrade) {
        this.frontend = frontend;
        this.proxy = proxy;
        this.client = client;
        this.backend = backend;
        this.request = request;
        this.method = request.method();
        this.clientVersion = clientVersion;
        this.clientKeepAlive = clientKeepAlive;
        this.upgrade = upgrade;
        this.replayable = !upgrade && SAFE_METHODS.contains(method.name())
                && !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
    }

    void start() {
        proxy.drain().exchangeStarted();
        proxy.pool().acquire(client.eventLoop(), backend).addListener(f -> connected((Future<Channel>) f));
    }

    // ---- client -> backend

    boolean canWriteRequestBody() {
        return backendChannel != null && !ended;
    }

    /** Whether the frontend should read from the client now: to stream the body, or to notice a close. */
    boolean wantsClientRead() {
        return backendChannel != null && !ended && writesInFlight == 0 && !(upgrade && requestQueued);
    }

    boolean requestDone() {
        return requestDone;
    }

    void writeRequestBody(HttpContent content) {
        writeToBackend(content, content instanceof LastHttpContent);
    }

    /** One flush for everything the frontend handed over in one pass: the request line and a small body go in one packet. */
    void flushBackend() {
        if (backendNeedsFlush && backendChannel != null) {
            backendNeedsFlush = false;
            backendChannel.flush();
        }
    }

    private void connected(Future<Channel> connect) {
        if (!connect.isSuccess()) {
            Throwable cause = connect.cause();
            if (cause instanceof ConnectTimeoutException) {
                fail(Outcome.CONNECT_TIMEOUT, HttpResponseStatus.GATEWAY_TIMEOUT, "Grafana backend " + backend.name()
                        + " did not accept a connection within " + proxy.timeouts().connectTimeout().toMillis() + " ms");
            } else if (cause instanceof ConnectException) {
                fail(Outcome.CONNECT_REFUSED, HttpResponseStatus.BAD_GATEWAY, "Grafana backend " + backend.name() + " refused the connection");
            } else {
                fail(Outcome.RESET, HttpResponseStatus.BAD_GATEWAY, "could not connect to Grafana backend " + backend.name() + ": " + cause.getMessage());
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
        if (resendLast) {
            resendLast = false;
            writeToBackend(LastHttpContent.EMPTY_LAST_CONTENT, true);
        }
        frontend.drain();
        flushBackend();
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
            fail(Outcome.INVALID_RESPONSE, HttpResponseStatus.BAD_GATEWAY,
                    "Grafana backend " + backend.name() + " sent an invalid response: " + o.decoderResult().cause().getMessage());
            return;
        }
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            var ambiguous = FramingValidator.checkResponse(response);
            if (ambiguous.isPresent()) {
                fail(Outcome.INVALID_RESPONSE, HttpResponseStatus.BAD_GATEWAY,
                        "Grafana backend " + backend.name() + " sent an ambiguous response: " + ambiguous.get());
                return;
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
            lastClientWrite = client.write(msg);
            return;
        }
        if (msg instanceof HttpContent content) {
            lastClientWrite = client.write(content);
            if (content instanceof LastHttpContent) {
                if (interim) {
                    interim = false;
                    return;
                }
                responseDone = true;
                proxy.metrics().request(backend.name(), method, status, startNanos);
                proxy.outcomes().onOutcome(backend, Outcome.SUCCESS);
                maybeEnd();
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
        status = 101;
        end();
        proxy.metrics().request(backend.name(), method, status, startNanos);
        proxy.outcomes().onOutcome(backend, Outcome.SUCCESS);
        HeaderPolicy.toClientSwitching(response);
        client.write(response);
        client.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        Tunnel.open(client, backendChannel, proxy);
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

    private void responseTimedOut() {
        if (!ended && !responseStarted) {
            fail(Outcome.RESPONSE_TIMEOUT, HttpResponseStatus.GATEWAY_TIMEOUT, "Grafana backend " + backend.name()
                    + " did not answer within " + proxy.timeouts().responseTimeout().toMillis() + " ms");
        }
    }

    void onBackendClosed(Throwable cause) {
        if (ended) {
            return;
        }
        if (reusedConnection && replayable && !replayed && !responseStarted && !interim) {
            replayOnFreshConnection();
            return;
        }
        String why = cause == null ? "closed the connection" : "failed: " + cause.getMessage();
        fail(Outcome.RESET, HttpResponseStatus.BAD_GATEWAY, "Grafana backend " + backend.name() + " " + why + " before the response ended");
    }

    /**
     * A pooled connection the backend had closed while idle (the keep-alive race): nothing was answered,
     * and a safe bodyless request may go again, once, on a new connection to the same backend.
     */
    private void replayOnFreshConnection() {
        replayed = true;
        cancelTimer();
        closeBackend();
        backendChannel = null;
        writesInFlight = 0;
        resendLast = requestQueued;
        requestQueued = false;
        requestDone = false;
        proxy.pool().acquireFresh(client.eventLoop(), backend).addListener(f -> connected((Future<Channel>) f));
    }

    /** The request body was malformed after the headers had been forwarded: both connections are spoiled. */
    void requestFramingFailed(Rejection rejection) {
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
    void clientClosed() {
        if (ended) {
            return;
        }
        end();
        closeBackend();
        proxy.metrics().request(backend.name(), method, ProxyMetrics.CLIENT_CLOSED, startNanos);
        client.close();
        frontend.exchangeAborted();
    }

    private void fail(Outcome outcome, HttpResponseStatus errorStatus, String message) {
        if (ended) {
            return;
        }
        end();
        closeBackend();
        proxy.outcomes().onOutcome(backend, outcome);
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
        cancelTimer();
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
    }
}
