package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.grafanaha.health.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One try of an {@link Exchange} at one backend: the backend connection, the request written to it, the
 * response read from it, and the timers that bound the wait: the try timeout (from the start: connect, send,
 * first byte), the response timeout (from the request sent), and a short bound on a backend held down when no
 * other can serve. It runs on the client's event loop, like
 * the exchange, so no field is volatile.
 *
 * <p>Backpressure, both directions (as in Netty's proxy example, AUTO_READ off on both channels):
 * <ul>
 *   <li>client to backend: the frontend reads the client only while {@link #wantsClientRead} (no write
 *       to the backend unflushed); each write's listener asks the frontend to read again ({@link #send}).
 *   <li>backend to client: after each backend read burst the client is flushed, and the backend is read
 *       again while the client is writable, else once that write has gone out ({@link #onBackendReadComplete}).
 * </ul>
 *
 * <p>A failure goes back to the exchange, which decides whether another attempt follows; a pooled
 * connection the backend had closed while idle is the one failure handled here (the keep-alive race,
 * {@link #onBackendClosed}). Once the attempt has answered, its connection returns to the pool. A backend that
 * answered and then hung up while the client's body was still flowing refused the request; that is not a failure.
 *
 * <p>Longer than most classes here (about 590 lines) on purpose: both streaming loops, the three timers and the
 * failure classification of one backend connection share one small state machine ({@code upload}, {@code response})
 * that each of them reads and moves: a timer firing decides by where the streams are, and a stream ending cancels
 * the timers. Split apart, each piece would need that state passed in and back; together they read as one
 * question, "how did this try at this backend go?", and none of it is state the exchange needs. The response
 * timer itself lives on the connection ({@link ResponseDeadline}, one timer for all its requests); the next cut, if
 * this grows, is the try and down timers beside it.
 */
final class Attempt {
    /** How far the request has gone to the backend. */
    private enum Upload { SENDING, QUEUED, SENT }

    /** How far the backend's response has come. */
    private enum Response { WAITING, INTERIM, STREAMING, COMPLETE }

    private final Exchange exchange;
    private final ProxyContext proxy;
    private final EventLoop loop;
    private final StickyCookie.Choice choice;
    /** This attempt replays the request after the keep-alive race: on a fresh connection, and only once. */
    private final boolean replay;

    private Channel channel;
    private BackendHandler handler;
    /** The connection served an earlier exchange (it came from the pool). */
    private boolean reused;
    /** The backend was marked down while this attempt was connecting to it. */
    private boolean leaveOnConnect;
    private Upload upload = Upload.SENDING;
    private Response response = Response.WAITING;
    /** The connection went back to the pool (or was closed): this attempt is over. */
    private boolean done;
    private int writesInFlight;
    /** A write to the backend failed: it takes no more of the request (it may have answered first). */
    private boolean uploadRefused;
    private boolean needsFlush;
    private int status;
    private boolean reusable;
    private ChannelFuture lastClientWrite;
    /** The connection's response deadline, while this attempt has it armed ({@link ResponseDeadline}); else null. */
    private ResponseDeadline responseDeadline;
    private ScheduledFuture<?> tryTimer;
    /** Bounds the wait on a backend the health checks hold down, when the request cannot go elsewhere. */
    private ScheduledFuture<?> downTimer;
    /** Passive detection was already told this connect took too long (at the try timeout). */
    private boolean connectBlamed;

    Attempt(Exchange exchange, ProxyContext proxy, EventLoop loop, StickyCookie.Choice choice, boolean replay) {
        this.exchange = exchange;
        this.proxy = proxy;
        this.loop = loop;
        this.choice = choice;
        this.replay = replay;
    }

    Backend backend() {
        return choice.backend();
    }

    /** Whether the response should set the affinity cookie naming this backend. */
    boolean setsCookie() {
        return choice.setCookie();
    }

    int status() {
        return status;
    }

    /** A final (non-1xx) response head has been accepted. */
    boolean responseStarted() {
        return response == Response.STREAMING || response == Response.COMPLETE;
    }

    /** The whole request has been written and flushed to the backend. */
    boolean requestSent() {
        return upload == Upload.SENT;
    }

    /** Takes a connection (pooled, or a fresh one for a replay) and sends the request on it. */
    void connect() {
        Backend backend = backend();
        // The try timeout covers connect, send and the first byte: a backend whose accept queue is full
        // (a SIGSTOPped Grafana) answers no SYN, and waiting out proxy.connect-timeout would hold the user.
        long tryTimeout = proxy.retries().tryTimeoutMillis();
        if (tryTimeout > 0 && tryTimeout < proxy.timeouts().responseTimeout().toMillis()) {
            tryTimer = loop.schedule(this::tryTimedOut, tryTimeout, TimeUnit.MILLISECONDS);
        }
        Channel pooled = replay ? null : proxy.pool().pooled(loop, backend);
        if (pooled != null) {
            use(pooled);
            return;
        }
        Future<Channel> connect = proxy.pool().acquireFresh(loop, backend);
        connect.addListener(f -> connected((Future<Channel>) f));
    }

    private boolean current() {
        return !done && exchange.isCurrent(this);
    }

    private void connected(Future<Channel> connect) {
        if (!connect.isSuccess()) {
            if (current()) {
                var f = BackendFailure.ofConnect(connect.cause(), backend().name(), proxy.timeouts().connectTimeout().toMillis());
                // A connect the try timeout already reported is not counted twice.
                failed(connectBlamed && f.outcome() == Outcome.CONNECT_TIMEOUT ? null : f.outcome(), f.retry(), f.status(), f.message());
            }
            return;
        }
        use(connect.getNow());
    }

    /** The request goes on {@code connected}: a pooled connection, or the one just opened for it. */
    private void use(Channel connected) {
        if (!current()) {
            proxy.pool().release(connected, backend());
            return;
        }
        channel = connected;
        handler = BackendHandler.of(connected);
        reused = handler.attach(this);
        handler.framer().expect(exchange.method(), exchange.answersAsBytes());
        ByteBuf whole = exchange.headBytes();
        if (whole != null) {
            sendWhole(whole);
        } else {
            send(exchange.request(), false);
            // A later attempt: what the client already sent goes again, the rest follows from the frontend.
            for (HttpContent chunk : exchange.bodySoFar()) {
                send(chunk, chunk instanceof LastHttpContent);
            }
        }
        exchange.readClient();
        flush();
        if (leaveOnConnect && current() && exchange.retryElsewhere(this, RetryCause.BACKEND_DOWN)) {
            return;
        }
        connected.read();
    }

    // ---- client -> backend

    boolean canSend() {
        return channel != null && !done && !uploadRefused;
    }

    /** Read the client only when every write to the backend has been flushed (and an upgrade's request is whole). */
    boolean wantsClientRead(boolean upgrade) {
        return canSend() && writesInFlight == 0 && !(upgrade && upload != Upload.SENDING);
    }

    void send(Object msg, boolean last) {
        queued(last);
        channel.write(msg).addListener(sent(last));
    }

    /** A bodiless request as its head's bytes ({@link RequestHeadWriter}): one write that is also the request's end. */
    private void sendWhole(ByteBuf whole) {
        queued(true);
        handler.bytes().write(whole).addListener(sent(true));
    }

    private void queued(boolean last) {
        writesInFlight++;
        if (last) {
            upload = Upload.QUEUED;
        }
        needsFlush = true;
    }

    /** What a write's end means for the upload: the next client read, or on the last one the wait for the answer. */
    private ChannelFutureListener sent(boolean last) {
        return f -> {
            if (!current()) {
                return;
            }
            writesInFlight--;
            if (!f.isSuccess()) {
                uploadFailed(f.cause());
                return;
            }
            if (last) {
                upload = Upload.SENT;
                if (!responseStarted()) {
                    startTimers();
                }
                maybeFinish();
            }
            if (current()) {
                exchange.readClient();
            }
        };
    }

    /**
     * The backend stopped taking the request. It may have answered first (Grafana's 401 to a large
     * unauthenticated upload, then a reset): the answer is in the receive buffer, so read on and let the
     * read's end decide ({@link #onBackendClosed}); only a channel already gone is a failure now.
     */
    private void uploadFailed(Throwable cause) {
        uploadRefused = true;
        if (response == Response.COMPLETE) {
            refusedAfterAnswer();
        } else if (channel.isActive()) {
            if (responseDeadline == null && !responseStarted()) {
                startTimers(); // the wait for an answer is bounded as if the request had been sent
            }
            channel.read();
        } else {
            onBackendClosed(cause);
        }
    }

    /** One flush for everything the frontend handed over in one pass: the request line and a small body go in one packet. */
    void flush() {
        if (needsFlush && channel != null) {
            needsFlush = false;
            channel.flush();
        }
    }

    private void startTimers() {
        responseDeadline = handler.deadline(channel);
        responseDeadline.arm(this, proxy.timeouts().responseTimeout().toMillis());
    }

    // ---- backend -> client

    void onBackendMessage(Object msg) {
        if (!current()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            failed(Outcome.INVALID_RESPONSE, null, HttpResponseStatus.BAD_GATEWAY,
                    "Grafana backend " + backend().name() + " sent an invalid response: " + o.decoderResult().cause().getMessage());
        } else if (msg instanceof HttpResponse head) {
            onHead(head);
        } else if (msg instanceof HttpContent content) {
            onContent(content);
        } else if (msg instanceof RawResponseHead head) {
            onHead(head);
        } else if (msg instanceof RawResponseBody part) {
            onBody(part);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpResponse head) {
        int code = head.status().code();
        var ambiguous = FramingValidator.checkResponse(head);
        if (ambiguous.isPresent()) {
            failed(Outcome.INVALID_RESPONSE, null, HttpResponseStatus.BAD_GATEWAY,
                    "Grafana backend " + backend().name() + " sent an ambiguous response: " + ambiguous.get());
            return;
        }
        if (retriedOnStatus(code)) {
            ReferenceCountUtil.release(head);
            return;
        }
        if (code == 101 && exchange.upgrade()) {
            response = Response.STREAMING;
            status = code;
            exchange.switchProtocols(this, head, channel);
            return;
        }
        if (code == 101) {
            // Switching protocols on a request that did not ask to: what follows is not this request's answer.
            ReferenceCountUtil.release(head);
            failed(Outcome.INVALID_RESPONSE, null, HttpResponseStatus.BAD_GATEWAY, "Grafana backend " + backend().name()
                    + " sent an unsolicited 101 Switching Protocols");
            return;
        }
        if (code < 200) {
            response = Response.INTERIM;
            HeaderPolicy.stripHopByHop(head.headers());
            lastClientWrite = exchange.relayInterim(head);
            return;
        }
        boolean framed = HttpUtil.isContentLengthSet(head) || HttpUtil.isTransferEncodingChunked(head)
                || HttpMethod.HEAD.equals(exchange.method()) || code == 204 || code == 304;
        accepted(code, framed && HttpUtil.isKeepAlive(head));
        lastClientWrite = exchange.relayHead(this, head);
    }

    /** An ordinary final head as bytes ({@link ResponseFramer}): its framing is beyond doubt, it is not interim nor a 101. */
    private void onHead(RawResponseHead head) {
        if (retriedOnStatus(head.status())) {
            head.release();
            return;
        }
        accepted(head.status(), head.keepAlive());
        lastClientWrite = exchange.relayHead(this, head);
    }

    /** A 502, 503 or 504 the exchange sends elsewhere: the rest of this response goes with its connection, closed by the retry. */
    private boolean retriedOnStatus(int code) {
        RetryCause cause = RetryCause.ofStatus(code);
        if (cause == null) {
            return false;
        }
        proxy.outcomes().onOutcome(backend(), Outcome.GATEWAY_STATUS);
        return exchange.retryElsewhere(this, cause);
    }

    /** The final head is this attempt's answer; {@code reusable}: the connection may serve another request after it. */
    private void accepted(int code, boolean reusable) {
        cancelTimers();
        response = Response.STREAMING;
        status = code;
        this.reusable = reusable;
    }

    private void onContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (response == Response.INTERIM) {
            lastClientWrite = exchange.relayInterim(content);
            if (last) {
                response = Response.WAITING;
            }
            return;
        }
        lastClientWrite = exchange.relayBody(content);
        if (last) {
            answered();
        }
    }

    private void onBody(RawResponseBody part) {
        lastClientWrite = exchange.relayBody(part);
        if (part.last()) {
            answered();
        }
    }

    private void answered() {
        response = Response.COMPLETE;
        exchange.backendAnswered(this);
        if (RetryCause.ofStatus(status) == null) {
            proxy.outcomes().onOutcome(backend(), Outcome.SUCCESS);
        }
        maybeFinish();
    }

    /** Flush this burst to the client; read the backend again now while the client is writable, else once it drained. */
    void onBackendReadComplete() {
        if (!current()) {
            return;
        }
        exchange.flushClient();
        Channel source = channel;
        ChannelFuture write = lastClientWrite;
        lastClientWrite = null;
        if (write == null || exchange.clientWritable()) {
            source.read(); // a failed write closes the client, and the frontend ends the exchange
            return;
        }
        write.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                exchange.clientClosed();
            } else if (current()) {
                source.read();
            }
        });
    }

    /**
     * The response is whole: once the request is too, the connection goes back to the pool (or closes)
     * and the exchange takes over. A backend that answered before the body ended (e.g. 413) gets no more
     * of it: that connection closes, and so does the client's.
     */
    private void maybeFinish() {
        if (!current() || response != Response.COMPLETE) {
            return;
        }
        if (upload == Upload.SENT) {
            done = true;
            cancelTimers();
            handler.detach();
            if (reusable) {
                proxy.pool().release(channel, backend());
            } else {
                channel.close();
            }
            exchange.attemptFinished(true);
        } else if (upload == Upload.SENDING || uploadRefused) {
            refusedAfterAnswer();
        }
    }

    /** The whole answer is in and the backend will take no more of the body: the client gets the answer, then a close. */
    private void refusedAfterAnswer() {
        done = true;
        cancelTimers();
        channel.close();
        exchange.attemptFinished(false);
    }

    // ---- failures

    /**
     * Health checks marked this backend down. A {@code safe} request (or a sent {@code conditional} save) still waiting
     * for response headers goes elsewhere now if the exchange lets it; a safe one still connecting goes once the
     * connection is up and the request is in hand. One that cannot move gets a bounded wait, then 503 ({@link #downTimedOut}).
     */
    void backendDown(String down, boolean safe, boolean conditional) {
        if (responseStarted() || !backend().name().equals(down)) {
            return;
        }
        if (safe && channel == null) {
            leaveOnConnect = true;
        } else if ((safe || conditional) && channel != null && exchange.retryElsewhere(this, RetryCause.BACKEND_DOWN)) {
            return;
        }
        // No backend can serve (this one is the last resort): a backend judged down gets a short while to
        // answer, not the response timeout; then the client hears that nothing can serve. With another backend
        // up, a request that may not move (a POST the backend may have acted on) keeps waiting for its answer.
        if (downTimer == null && LastResort.noBackendCanServe(proxy)) {
            downTimer = loop.schedule(this::downTimedOut, LastResort.boundMillis(proxy), TimeUnit.MILLISECONDS);
        }
    }

    private void downTimedOut() {
        downTimer = null;
        if (current() && !responseStarted()) {
            // A whole unsafe request the backend may have acted on gets 504, whose meaning is "outcome unknown";
            // 503 tells a client it may safely send again, which is true only when nothing could have happened.
            boolean mayHaveActed = !exchange.safeMethod() && requestSent();
            exchange.fail(this, mayHaveActed ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    LastResort.message(backend().name(), "did not answer within " + LastResort.boundMillis(proxy) + " ms"));
        }
    }

    /**
     * {@code routing.try-timeout} after the attempt began. Still connecting: the backend is reported (connect
     * timeout) and any request goes elsewhere, or gets 503 if the backend is down and there is nowhere else.
     * Sent and unanswered: a safe request goes to another backend if a retry is allowed; the slow backend is
     * not reported as failing (a slow answer is not a dead backend: the health checks judge that). Otherwise
     * it keeps waiting for the response timeout.
     */
    private void tryTimedOut() {
        tryTimer = null;
        if (!current() || responseStarted()) {
            return;
        }
        if (channel == null) {
            // Not even connected: nothing was sent, so any method may go elsewhere, and a backend that takes this
            // long to accept is failing (passive detection counts it, so a stopped backend is ejected quickly).
            connectBlamed = true;
            proxy.outcomes().onOutcome(backend(), Outcome.CONNECT_TIMEOUT);
            if (!exchange.retryElsewhere(this, RetryCause.CONNECT_TIMEOUT) && LastResort.noBackendCanServe(proxy)) {
                exchange.fail(this, HttpResponseStatus.SERVICE_UNAVAILABLE, LastResort.message(backend().name(), "did not accept a connection within "
                        + proxy.retries().tryTimeoutMillis() + " ms"));
            }
            return;
        }
        if (exchange.safeMethod() && upload == Upload.SENT) {
            exchange.retryElsewhere(this, RetryCause.TRY_TIMEOUT);
        }
    }

    /** Called by the connection's {@link ResponseDeadline}. */
    void responseTimedOut() {
        if (current() && !responseStarted()) {
            failed(Outcome.RESPONSE_TIMEOUT, RetryCause.RESPONSE_TIMEOUT, HttpResponseStatus.GATEWAY_TIMEOUT, "Grafana backend "
                    + backend().name() + " did not answer within " + proxy.timeouts().responseTimeout().toMillis() + " ms");
        }
    }

    /**
     * The connection closed or failed. A pooled connection the backend had closed while idle (the keep-alive
     * race): nothing was answered, and a safe, fully buffered request may go again, once, on a new connection
     * to the same backend. That is not a retry (the backend is not at fault), so it costs no budget.
     */
    void onBackendClosed(Throwable cause) {
        if (!current()) {
            return;
        }
        if (responseStarted() && upload != Upload.SENT) {
            // The backend answered while the client's body was still flowing, then hung up: it refused the
            // request (401, 413), it did not fail. The client has (or gets) that answer, and passive health
            // is told nothing, or any anonymous client could push a backend out with large uploads.
            if (response == Response.COMPLETE) {
                refusedAfterAnswer();
            } else {
                exchange.fail(this, HttpResponseStatus.BAD_GATEWAY, "Grafana backend " + backend().name()
                        + " closed the connection mid-answer while refusing the request body");
            }
            return;
        }
        if (reused && !replay && exchange.mayReplay()) {
            close();
            exchange.replaceWith(new Attempt(exchange, proxy, loop, choice, true));
            return;
        }
        String why = cause == null ? "closed the connection" : "failed: " + cause.getMessage();
        RetryCause retry = responseStarted() ? null : RetryCause.RESET;
        failed(Outcome.RESET, retry, HttpResponseStatus.BAD_GATEWAY, BackendFailure.isTls(cause)
                ? proxy.pool().tlsFailed(backend(), cause)
                : "Grafana backend " + backend().name() + " " + why + " before the response ended");
    }

    /**
     * This attempt failed: tell passive detection, then let the exchange try another backend if {@code retry}
     * (null: not retryable) allows, else answer the client with {@code errorStatus}.
     */
    private void failed(Outcome outcome, RetryCause retry, HttpResponseStatus errorStatus, String message) {
        if (outcome != null) {
            proxy.outcomes().onOutcome(backend(), outcome);
        }
        if (retry != null && exchange.retryElsewhere(this, retry)) {
            return;
        }
        if (!responseStarted() && proxy.waiting().isDown(backend().name()) && LastResort.noBackendCanServe(proxy)) {
            // The last resort failed too: no backend can serve, which is a 503 (retry later), not a gateway error.
            exchange.fail(this, HttpResponseStatus.SERVICE_UNAVAILABLE, "no Grafana backend can serve (all are down); last: " + message);
            return;
        }
        exchange.fail(this, errorStatus, message);
    }

    /** Drops the connection mid-exchange (it cannot be reused) and stops the timers; a finished attempt keeps its pooled one. */
    void close() {
        cancelTimers();
        if (channel != null && !done) {
            BackendHandler handler = BackendHandler.of(channel);
            if (handler != null) {
                handler.detach();
            }
            channel.close();
        }
        done = true;
    }

    void cancelTimers() {
        if (responseDeadline != null) {
            responseDeadline.disarm(this);
            responseDeadline = null;
        }
        if (tryTimer != null) {
            tryTimer.cancel(false);
            tryTimer = null;
        }
        if (downTimer != null) {
            downTimer.cancel(false);
            downTimer = null;
        }
    }
}
