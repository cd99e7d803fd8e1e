package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.auth.AuthGate;
import io.grafanaha.gateway.auth.Identity;
import io.grafanaha.gateway.listener.ProxyProtocol;
import io.grafanaha.health.RouteRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A client connection: decoded requests queue here and are served one at a time, in order. It
 * validates framing, answers the gateway's own routes ({@link LocalExchange}), asks the router for a
 * backend and hands the request to an {@link Exchange}.
 * AUTO_READ is off; {@link #drain()} reads the client again only when the queue is empty and the
 * current exchange can take more, so a fast uploader never outruns the backend.
 *
 * <p>About 495 lines: the order of the checks in {@link #start} (framing, local routes, rate limits, sign-in,
 * routing) and the connection's endings, each of which must end the request's {@link RequestHold} once, read best
 * side by side. The next cut would be the gateway's own answers (refuse, linger, close) into a class of their own.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "frontend";

    /** The proxy's settings now; a reload replaces them, and each request takes the ones current at its start. */
    private final Supplier<ProxyContext> contexts;
    private ProxyContext proxy;
    private final AnswerNotes notes;
    private final LocalRoutes localRoutes;
    /** What was read and not yet taken: usually a head and its last content, so room for four, not Java's sixteen. */
    private final ArrayDeque<HttpObject> pending = new ArrayDeque<>(4);
    /** The connection (HTTP/1.1) or stream (HTTP/2) the requests come from and the answers go to. */
    private Client client;
    private RequestSink exchange;
    private boolean done;
    /** The current request's {@code X-Request-Id}, also on the gateway's own answers to it. */
    private String requestId;
    /** What the current request holds until it ends: its access-log entry, its place under the concurrency cap. */
    private final RequestHold hold;
    /** Who the current request is from, as the auth gate signed them in; null = nobody (or auth.mode none). */
    private Identity identity;
    /** The connection's client address, scheme and listener address, once its first request needed them. */
    private InetSocketAddress peer;
    private String scheme;
    private String listenerHost;
    private final Supplier<String> listenerHostText = this::listenerHost;
    /** How long a refused upload may keep arriving before the connection is closed anyway. */
    private static final long LINGER_MILLIS = 2_000;
    /** How an HTTP/2 stream's request is named in the access log, as nginx and HAProxy log it. */
    private static final String HTTP_2 = "HTTP/2.0";

    /** On an HTTP/1.1 connection: its pipeline is the client, from {@link #handlerAdded} on. */
    FrontendHandler(Supplier<ProxyContext> contexts, AnswerNotes notes, LocalRoutes localRoutes) {
        this(contexts, notes, localRoutes, null);
    }

    /** For {@code client}, an HTTP/2 stream: it calls {@link #opened}, {@link #received} and the rest itself. */
    FrontendHandler(Supplier<ProxyContext> contexts, AnswerNotes notes, LocalRoutes localRoutes, Client client) {
        this.client = client;
        this.contexts = contexts;
        this.proxy = contexts.get();
        this.notes = notes;
        this.localRoutes = localRoutes;
        this.hold = new RequestHold(proxy, notes);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (client == null) {
            client = new ConnectionClient(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        opened();
        ctx.fireChannelActive();
    }

    /** The client is there: read its first request. */
    void opened() {
        if (!client.stream()) {
            proxy.pool().clientOpened(client.eventLoop());
        }
        client.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        received(msg);
    }

    /** The next part of the client's request: a head, a body chunk, or its last chunk. */
    void received(Object msg) {
        if (done || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        pending.add((HttpObject) msg);
        drain();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed();
        ctx.fireChannelInactive();
    }

    /**
     * The client is gone: whatever is in flight for it ends. An HTTP/2 stream is one request of a connection that may
     * have many at once: the backend pool counts that connection's demand ({@link Http2Stage}), not its streams.
     */
    void closed() {
        if (!client.stream()) {
            proxy.pool().clientClosed(client.eventLoop());
        }
        hold.clientGone();
        done = true;
        releasePending();
        if (exchange != null) {
            exchange.clientClosed();
        }
    }

    /** Whether a request is being served (its exchange not yet finished). */
    boolean serving() {
        return exchange != null;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        event(evt);
    }

    /** The connection was idle too long, or the gateway started to drain. */
    void event(Object evt) {
        if (evt instanceof IdleStateEvent) {
            // Idle between requests, or a client that stopped sending its body: either way, let go.
            if (exchange == null || !exchange.requestDone()) {
                client.close();
            }
        } else if (evt == Drain.STARTED && exchange == null) {
            client.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        client.close();
    }

    /** Serves queued messages as far as possible, then reads more if the current state allows. */
    void drain() {
        while (!done && !pending.isEmpty()) {
            HttpObject next = pending.peek();
            if (next instanceof HttpRequest request) {
                if (exchange != null) {
                    break;
                }
                pending.poll();
                start(request);
            } else if (exchange == null) {
                ReferenceCountUtil.release(pending.poll());
            } else if (next.decoderResult().isFailure()) {
                ReferenceCountUtil.release(pending.poll());
                exchange.requestFramingFailed(FramingValidator.fromDecoderFailure(next.decoderResult().cause()));
                return;
            } else if (exchange.canWriteRequestBody()) {
                HttpContent content = (HttpContent) pending.poll();
                hold.bodyRead(content.content().readableBytes());
                exchange.writeRequestBody(content);
            } else {
                break;
            }
        }
        if (exchange != null) {
            exchange.flushBackend();
        }
        if (!done && pending.isEmpty() && (exchange == null || exchange.wantsClientRead())) {
            client.read();
        }
    }

    private void start(HttpRequest request) {
        long startNanos = System.nanoTime();
        proxy = contexts.get();
        notes.respondingTo(request.method());
        requestId = proxy.requestIds().assign(request.headers());
        hold.begin(request, client.stream() ? HTTP_2 : request.protocolVersion().text(), peer(), requestId, startNanos);
        Optional<Rejection> rejection = FramingValidator.check(request).or(() -> RequestTarget.normalise(request, listenerHostText));
        if (rejection.isPresent() && bodyMayFollow(request)) {
            // Unread body bytes would turn the close into a reset that can destroy the answer: linger instead.
            proxy.metrics().request(ProxyMetrics.NO_BACKEND, request.method(), rejection.get().status().code(), startNanos);
            exchangeRefusedBody(rejection.get());
            return;
        }
        if (rejection.isPresent()) {
            refuse(request.method(), rejection.get(), startNanos);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !proxy.drain().draining();
        String path = path(request.uri());
        Optional<LocalHandler> local = localRoutes.route(request.method().name(), path);
        if (local.isPresent()) {
            hold.answeredBy(LocalExchange.METRIC_BACKEND);
            LocalExchange localExchange = new LocalExchange(this, proxy, client, request, local.get(), keepAlive);
            exchange = localExchange;
            localExchange.start();
            return;
        }
        if (path.startsWith(LocalRoutes.PREFIX)) {
            // The gateway's namespace: an unknown path here is a typo or a probe, never Grafana's business.
            proxy.metrics().request(LocalExchange.METRIC_BACKEND, request.method(), 404, startNanos);
            hold.answeredBy(LocalExchange.METRIC_BACKEND);
            sendErrorAndClose(new Rejection(HttpResponseStatus.NOT_FOUND, "not found"));
            return;
        }
        long retryAfter = proxy.rateLimits().take(request, path, peer());
        if (retryAfter == 0 && !hold.holdConcurrencySlot(request, peer())) {
            retryAfter = ConcurrencyCap.RETRY_AFTER_SECONDS;
        }
        if (retryAfter > 0) {
            Rejection limited = new Rejection(HttpResponseStatus.TOO_MANY_REQUESTS,
                    "Too many requests from your address, try again in " + retryAfter + " seconds");
            proxy.metrics().request(ProxyMetrics.NO_BACKEND, request.method(), 429, startNanos);
            FullHttpResponse answer = error(limited);
            answer.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
            answerAndClose(answer, bodyMayFollow(request)); // a sign-in form's body may still be on its way
            return;
        }
        identity = null;
        if (proxy.auth().active()) {
            AuthGate.Decision decision = proxy.auth().decide(request.method().name(), request.uri(), request.headers(),
                    peer());
            if (decision instanceof AuthGate.Decision.Answer answer) {
                LocalExchange signIn = new LocalExchange(this, proxy, client, request, answer.handler(), keepAlive);
                exchange = signIn;
                signIn.start();
                return;
            }
            identity = ((AuthGate.Decision.Forward) decision).identity();
            AccessLog.Entry access = hold.access();
            if (identity != null && access != null) {
                access.user(identity.user());
            }
        }
        RouteRequest route = new RouteRequest(StickyCookie.read(proxy.stickyCookie(), request.headers()), buildsToAvoid(request));
        Optional<StickyCookie.Choice> choice = StickyCookie.pick(proxy, route);
        if (choice.isEmpty()) {
            refuse(request.method(), new Rejection(HttpResponseStatus.SERVICE_UNAVAILABLE, "no Grafana backend is available"), startNanos);
            return;
        }
        // HTTP/2 has no upgrade (its codec refuses the connection-specific headers one needs): a stream never tunnels.
        boolean upgrade = !client.stream() && HeaderPolicy.isUpgrade(request);
        StickyCookie.strip(proxy.stickyCookie(), request.headers());
        hold.traceToBackend(request, path);
        var outbound = HeaderPolicy.toBackend(request, peer(), scheme(), upgrade,
                proxy.timeouts().trustedProxies());
        if (proxy.auth().active()) {
            proxy.auth().toGrafana(outbound.headers(), identity);
        }
        Exchange forwarded = new Exchange(this, proxy, client, choice.get(), route, outbound, request.protocolVersion(),
                keepAlive, upgrade);
        Optional<String> watched = upgrade ? Optional.empty() : watches(request.method().name(), path);
        if (watched.isPresent()) {
            EditWatch watch = new EditWatch(this, proxy, client, forwarded, choice.get().backend(), outbound, watched.get(),
                    keepAlive, startNanos);
            exchange = watch;
            watch.start();
            return;
        }
        exchange = forwarded;
        forwarded.start();
    }

    /** With {@link BuildAffinity} on: the client's build cookie (read, then hidden from Grafana) and the backends it excludes. */
    private Set<String> buildsToAvoid(HttpRequest request) {
        if (!proxy.buildAffinity().on()) {
            return Set.of();
        }
        String cookies = request.headers().get(HttpHeaderNames.COOKIE);
        if (cookies == null || !cookies.contains(BuildAffinity.COOKIE)) {
            return proxy.buildAffinity().avoid(null); // the common case: no cookies decoded or rewritten
        }
        String clientBuild = StickyCookie.read(BuildAffinity.COOKIE, request.headers()).orElse(null);
        StickyCookie.strip(BuildAffinity.COOKIE, request.headers());
        hold.clientBuild(clientBuild);
        return proxy.buildAffinity().avoid(clientBuild);
    }

    /** The build cookie for an answer from {@code backend}, or null ({@link BuildAffinity#setCookie}). */
    String buildCookie(String backend) {
        return proxy.buildAffinity().setCookie(backend, hold.clientBuild());
    }

    /**
     * The client's address: the peer, or the address its PROXY protocol header carried (decoded before any request).
     * Like the scheme and the listener's address, it is the connection's, looked up at its first request only.
     */
    private InetSocketAddress peer() {
        if (peer == null) {
            peer = ProxyProtocol.client(client.connection());
        }
        return peer;
    }

    /** "https" when the client's connection is TLS: this pipeline's for HTTP/1.1, the connection's for an HTTP/2 stream. */
    private String scheme() {
        if (scheme == null) {
            scheme = client.connection().pipeline().get(SslHandler.class) == null ? "http" : "https";
        }
        return scheme;
    }

    private String listenerHost() {
        if (listenerHost == null) {
            InetSocketAddress local = (InetSocketAddress) client.connection().localAddress();
            String host = local.getAddress() instanceof Inet6Address ? "[" + local.getHostString() + "]" : local.getHostString();
            listenerHost = host + ":" + local.getPort();
        }
        return listenerHost;
    }

    private static boolean bodyMayFollow(HttpRequest request) {
        String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        return request.decoderResult().isFailure() || HttpUtil.isTransferEncodingChunked(request) || (length != null && !length.equals("0"));
    }

    private Optional<String> watches(String method, String path) {
        try {
            Optional<String> label = proxy.observer().watches(method, path);
            return label == null ? Optional.empty() : label;
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A watched request goes to its backend after all: the body chunks its {@link EditWatch} gathered go
     * back to the front of the queue, ahead of whatever the client sent since, and stream as usual.
     */
    void forwardWatched(Exchange forwarded, java.util.List<HttpContent> gathered) {
        for (int i = gathered.size() - 1; i >= 0; i--) {
            pending.addFirst(gathered.get(i));
            hold.bodyRead(-gathered.get(i).content().readableBytes()); // counted again when they go out
        }
        exchange = forwarded;
        forwarded.start();
    }

    /** The path of a request target, origin-form or absolute-form, without the query. */
    static String path(String uri) {
        String path = uri;
        int scheme = path.indexOf("://");
        if (scheme > 0 && path.indexOf('/') > scheme) {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        int query = path.indexOf('?');
        return query < 0 ? path : path.substring(0, query);
    }

    private void refuse(HttpMethod method, Rejection rejection, long startNanos) {
        proxy.metrics().request(ProxyMetrics.NO_BACKEND, method, rejection.status().code(), startNanos);
        sendErrorAndClose(rejection);
    }

    private void sendErrorAndClose(Rejection rejection) {
        answerAndClose(error(rejection), false);
    }

    /** The gateway's own answer, then the close: lingering first when the client may still be sending a body. */
    private void answerAndClose(FullHttpResponse answer, boolean linger) {
        done = true;
        releasePending();
        ChannelFuture sent = client.writeAndFlush(answer);
        hold.ended();
        if (linger) {
            client.closeWhileUploading(sent, LINGER_MILLIS);
        } else {
            sent.addListener(f -> client.close());
        }
    }

    private FullHttpResponse error(Rejection rejection) {
        FullHttpResponse response = ErrorResponses.json(client.alloc(), rejection.status(), rejection.message());
        if (requestId != null) {
            response.headers().set(RequestIds.X_REQUEST_ID, requestId);
        }
        return response;
    }

    /** A try of the current request at {@code backend}, after a failure of {@code cause} (null for the first). */
    void noteAttempt(String backend, RetryCause cause) {
        hold.noteAttempt(backend, cause);
    }

    /** The request is answered by the gateway itself ({@code gateway}) rather than by a backend. */
    void answeredBy(String name) {
        hold.answeredBy(name);
    }

    /** Who the current request is from (for an access log), or null when nobody is signed in. */
    Identity identity() {
        return identity;
    }

    /** The current request's id, for answers the gateway writes itself. */
    String requestId() {
        return requestId;
    }

    // ---- called by the exchange

    void exchangeFinished(boolean keepAlive) {
        exchange = null;
        hold.ended();
        if (keepAlive && !proxy.drain().draining()) {
            drain();
        } else {
            done = true;
            releasePending();
            client.closeAfterAnswer(); // the exchange flushed its answer
        }
    }

    void exchangeFailed(Rejection rejection) {
        exchange = null;
        sendErrorAndClose(rejection);
    }

    /**
     * Refuses a request whose client may still be sending its body (413). Closing at once would leave
     * unread bytes in the socket, and the kernel would answer them with a reset that can destroy the 413
     * before the client reads it; so, like nginx's lingering close, the gateway sends the answer, ends
     * its side of the connection, and reads and drops the rest of the upload for a moment before closing.
     */
    void exchangeRefusedBody(Rejection rejection) {
        exchange = null;
        answerAndClose(error(rejection), true);
    }

    /**
     * The backend answered before the client's body ended (a 401 or 413 to an upload) and takes no more of it:
     * the answer has been written; the connection closes the way {@link #exchangeRefusedBody} does, so the
     * client can read that answer instead of a reset.
     */
    void exchangeAnsweredEarly() {
        exchange = null;
        hold.ended();
        done = true;
        releasePending();
        client.closeWhileUploading(client.writeAndFlush(Unpooled.EMPTY_BUFFER), LINGER_MILLIS);
    }

    void exchangeAborted() {
        exchange = null;
        hold.ended();
        done = true;
        releasePending();
        client.close();
    }

    void upgraded() {
        exchange = null;
        hold.upgraded(client.connection());
        done = true;
        releasePending();
    }

    private void releasePending() {
        HttpObject msg;
        while ((msg = pending.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
