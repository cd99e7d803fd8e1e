package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.grafanaha.health.Outcome;
import io.grafanaha.health.RouteRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request from a client and the response it gets. The exchange owns the client's side: what reaches
 * the client, and when it is done. Each try at a backend is an {@link Attempt}; when one fails,
 * {@link RetryPolicy#decide} says whether another follows. Everything runs on the client's event loop
 * (backend connections are taken from the same loop), so no field needs to be volatile.
 *
 * <p>Nothing reaches the client until an attempt's response head is accepted, so a retried attempt leaves
 * no trace there; the body chunks handed to a backend are kept in a {@link ReplayBuffer} so the next
 * attempt can send them again (a conditional save sends what {@link ConditionalReplay} decides for its backend).
 *
 * <p>A watched request's final response ({@link RequestObserver}) is held here until the observer's
 * release gate opens ({@link HeldResponse}).
 *
 * <p>Longer than most classes here (about 500 lines) on purpose: a request has many endings (answered, held then
 * released, failed, refused mid-body, client gone, upgraded, a replayed save refused), each of which must release
 * the replay buffer, the request head's bytes, the held response and the attempt exactly once ({@link #end}); side by
 * side, one can check that every ending does. The one question it answers is "what does this client get, and when
 * is it done?". A replayed save's decision lives in {@link ConditionalReplay}.
 */
final class Exchange implements RequestSink {
    /** Methods that may be sent again after the backend may have seen them (HAProxy's "http-reuse safe", nginx, Zuul). */
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    /** Where the exchange stands with its client. */
    private enum State {
        /** Attempts are being made; the client has seen nothing yet, so a retry is still invisible. */
        TRYING,
        /** Something (an interim response included) went to the client: this attempt is the last. */
        ANSWERING,
        /** The attempt is over; its whole response waits for the observer's release gate. */
        HOLDING,
        ENDED
    }

    private final FrontendHandler frontend;
    private final ProxyContext proxy;
    private final Client client;
    private final HttpRequest request;
    private final HttpMethod method;
    private final HttpVersion clientVersion;
    private final boolean clientKeepAlive;
    private final boolean upgrade;
    private final boolean safeMethod;
    private final long startNanos = System.nanoTime();
    private final ReplayBuffer body = new ReplayBuffer();

    private State state = State.TRYING;
    private RouteRequest route;
    private Attempt attempt;
    private int retriesMade;
    /** Whether the client connection stays open after this response. */
    private boolean keepClient;
    /** Sees the final response of a watched request before the client does; null for everything else. */
    private RequestObserver.ResponseObserver observer;
    /** The watched request's final response, held from the client until the observer's gate opens. */
    private HeldResponse held;
    /** The backend answered before the client's body ended: the client is closed gently, its upload drained. */
    private boolean answeredEarly;
    /** A conditional save: a retry is decided again by the observer for the next backend; null for everything else. */
    private ConditionalReplay replay;
    /** Where an ordinary answer goes as bytes; null when it must go as objects. */
    private ClientBytes bytes;
    /**
     * A bodiless request's head as the backend's bytes, which every attempt sends (a duplicate) as the whole request;
     * null when the request goes as objects. Released when the exchange ends.
     */
    private ByteBuf head;

    Exchange(FrontendHandler frontend, ProxyContext proxy, Client client, StickyCookie.Choice choice, RouteRequest route,
             HttpRequest request, HttpVersion clientVersion, boolean clientKeepAlive, boolean upgrade) {
        this.frontend = frontend;
        this.proxy = proxy;
        this.client = client;
        this.route = route;
        this.request = request;
        this.method = request.method();
        this.clientVersion = clientVersion;
        this.clientKeepAlive = clientKeepAlive;
        this.upgrade = upgrade;
        this.safeMethod = SAFE_METHODS.contains(method.name());
        this.attempt = new Attempt(this, proxy, client.eventLoop(), choice, false);
    }

    /** Shows this request's final response to {@code observer} before the client gets it. Before {@link #start()}. */
    void observe(RequestObserver.ResponseObserver observer) {
        this.observer = observer;
    }

    /** A retry of this request sends what {@code replay} decides for the next backend. Before {@link #start()}. */
    void replayable(ConditionalReplay replay) {
        this.replay = replay;
    }

    void start() {
        // As bytes only where nothing needs the answer as objects: no observer, no upgrade, an HTTP/1.1 client.
        bytes = observer == null && replay == null && !upgrade && HttpVersion.HTTP_1_1.equals(clientVersion) ? client.bytes() : null;
        // On objects where something else reads the request: an observer waiting for the answer, a conditional
        // replay that decides each retry from the head (saves carry bodies anyway); an upgrade's head is followed by
        // the tunnel, not by an end. A watched request its observer let through untouched is an ordinary one here.
        if (observer == null && replay == null && !upgrade && RequestHeadWriter.endsRequest(request)) {
            head = RequestHeadWriter.write(request, client.alloc());
        }
        boolean down = proxy.waiting().add(this, attempt.backend().name());
        proxy.drain().exchangeStarted();
        proxy.retries().budget().requestStarted();
        if (down) {
            backendDown(attempt.backend().name());
        }
        frontend.noteAttempt(attempt.backend().name(), null);
        attempt.connect();
    }

    EventLoop eventLoop() {
        return client.eventLoop();
    }

    // ---- what attempts ask

    boolean isCurrent(Attempt a) {
        return state != State.ENDED && attempt == a;
    }

    /** An ordinary answer ({@link ResponseFramer}) may reach the client as the backend's bytes. */
    boolean answersAsBytes() {
        return bytes != null;
    }

    HttpRequest request() {
        return request;
    }

    /** A fresh duplicate of the request's bytes when its head is the whole request ({@link RequestHeadWriter}), else null. */
    ByteBuf headBytes() {
        return head == null ? null : head.retainedDuplicate();
    }

    HttpMethod method() {
        return method;
    }

    boolean upgrade() {
        return upgrade;
    }

    boolean safeMethod() {
        return safeMethod;
    }

    /** Fresh duplicates of the body chunks handed over so far, for a later attempt to send again. */
    List<HttpContent> bodySoFar() {
        return body.replay();
    }

    /** The keep-alive race may be replayed: a safe, fully buffered request the client has seen nothing of. */
    boolean mayReplay() {
        return safeMethod && body.complete() && state == State.TRYING;
    }

    void replaceWith(Attempt replay) {
        attempt = replay;
        replay.connect();
    }

    // ---- client -> backend (the frontend's side of the loop; the attempt holds the other)

    @Override
    public boolean canWriteRequestBody() {
        return state != State.ENDED && attempt.canSend();
    }

    /** Whether the frontend should read from the client now: to stream the body, or to notice a close. */
    @Override
    public boolean wantsClientRead() {
        return state != State.ENDED && attempt.wantsClientRead(upgrade);
    }

    @Override
    public boolean requestDone() {
        return attempt.requestSent();
    }

    @Override
    public void writeRequestBody(HttpContent content) {
        if (head != null) {
            // The head already went as the whole request: this is its empty end, kept only so a replay knows it is whole.
            boolean empty = !content.content().isReadable();
            body.add(content);
            content.release();
            if (!empty) {
                requestFramingFailed(Rejection.badRequest("body on a request whose head announced none"));
            }
            return;
        }
        body.add(content);
        attempt.send(content, content instanceof LastHttpContent);
    }

    @Override
    public void flushBackend() {
        attempt.flush();
    }

    void readClient() {
        frontend.drain();
    }

    // ---- backend -> client

    ChannelFuture relayInterim(HttpObject msg) {
        state = State.ANSWERING;
        return client.write(msg);
    }

    /** The attempt's final response head: it is this exchange's answer now. */
    ChannelFuture relayHead(Attempt from, HttpResponse head) {
        keepClient = HeaderPolicy.toClient(head, method, clientVersion, clientKeepAlive && !proxy.drain().draining());
        head.headers().remove(RequestIds.X_REQUEST_ID);
        AnswerStamp.onto(head.headers()::add, from, proxy, frontend);
        state = State.ANSWERING;
        if (observer != null) {
            held = new HeldResponse(head, RequestObserver.MAX_RESPONSE);
            return null;
        }
        return client.write(head);
    }

    /** An ordinary final head as the backend's bytes ({@link #answersAsBytes}), finished for this client and written. */
    ChannelFuture relayHead(Attempt from, RawResponseHead head) {
        keepClient = clientKeepAlive && !proxy.drain().draining(); // what toClient keeps for a framed answer to HTTP/1.1
        AnswerStamp.onto(head::add, from, proxy, frontend);
        state = State.ANSWERING;
        return bytes.writeHead(head.status(), head.end(keepClient));
    }

    ChannelFuture relayBody(RawResponseBody part) {
        return bytes.writeBody(part);
    }

    /** A body chunk of the final response: to the client, or held while the observer is to see it first. */
    ChannelFuture relayBody(HttpContent content) {
        if (held != null) {
            if (held.hold(content)) {
                return null;
            }
            // Outgrew what may be held: the client gets it all now, the observer a copy of the start afterwards.
            held.take().forEach(client::write);
        }
        return client.write(content);
    }

    void flushClient() {
        client.flush();
    }

    /** Whether the client takes the answer's next part now (else the attempt reads the backend once it went out). */
    boolean clientWritable() {
        return client.isWritable();
    }

    /** The backend's response is whole (the client may not have all of it yet; a held one is counted when released). */
    void backendAnswered(Attempt from) {
        if (held == null || !held.holding()) {
            proxy.metrics().request(from.backend().name(), method, from.status(), startNanos);
        }
    }

    /**
     * The attempt is over and its connection released. Unless the response is held for the observer, the
     * client gets the rest and may send its next request; a held one waits for the observer's release
     * gate, at most {@code proxy.response-timeout}, and is then sent whatever the gate's outcome.
     */
    void attemptFinished(boolean clientMayStay) {
        answeredEarly = !clientMayStay;
        boolean keep = clientMayStay && keepClient;
        if (held == null) {
            finish(keep);
            return;
        }
        if (!held.holding()) {
            finish(keep);
            observed();
            return;
        }
        CompletionStage<Void> gate = observed();
        state = State.HOLDING;
        held.releaseWhen(gate, client.eventLoop(), proxy.timeouts().responseTimeout().toMillis(), method + " " + request.uri(),
                () -> release(keep));
    }

    /** Shows the held (or already sent) response to the observer; its failures stay its own. */
    private CompletionStage<Void> observed() {
        Backend backend = attempt.backend();
        try {
            CompletionStage<Void> gate = observer.onResponse(backend, held.status(), held.body());
            return gate == null ? CompletableFuture.completedFuture(null) : gate;
        } catch (RuntimeException e) {
            log.warn("request observer failed after {} {} answered {} by {}", method, request.uri(), held.status(), backend.name(), e);
            return CompletableFuture.completedFuture(null);
        }
    }

    /** The observer's gate opened (or its time ran out): the client gets the held response. */
    private void release(boolean keep) {
        if (state != State.HOLDING) {
            return;
        }
        state = State.ANSWERING;
        proxy.metrics().request(attempt.backend().name(), method, held.status(), startNanos);
        held.take().forEach(client::write);
        finish(keep);
    }

    private void finish(boolean keep) {
        end();
        client.flush();
        if (answeredEarly) {
            frontend.exchangeAnsweredEarly();
        } else {
            frontend.exchangeFinished(keep);
        }
    }

    void switchProtocols(Attempt from, HttpResponse head, Channel backendChannel) {
        state = State.ANSWERING;
        end();
        Backend backend = from.backend();
        proxy.metrics().request(backend.name(), method, 101, startNanos);
        proxy.outcomes().onOutcome(backend, Outcome.SUCCESS);
        boolean websocket = head.headers().containsValue(HttpHeaderNames.UPGRADE, "websocket", true);
        HeaderPolicy.toClientSwitching(head);
        head.headers().set(RequestIds.X_REQUEST_ID, frontend.requestId());
        client.write(head);
        client.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        Tunnel.open(client.connection(), backendChannel, backend.name(), websocket, proxy);
        frontend.upgraded();
    }

    // ---- retries

    /**
     * Health checks marked {@code down} down. If this request is a safe one still waiting there for response
     * headers, it goes elsewhere now: the checks have already judged the backend, so waiting out the response
     * timeout would only make the user wait. When no backend can serve at all (this one was the last resort),
     * any request waits only a short while more ({@code routing.try-timeout}, else {@code proxy.connect-timeout})
     * and then gets 503; otherwise one that may not move keeps waiting.
     */
    void backendDown(String down) {
        if (state == State.TRYING) {
            attempt.backendDown(down, safeMethod, conditional());
        }
    }

    /**
     * Sends the request to another backend if {@link RetryPolicy#decide} allows it after {@code failed} failed
     * with {@code cause}. Returns false (after counting why) when it does not.
     */
    boolean retryElsewhere(Attempt failed, RetryCause cause) {
        RouteRequest next = route.excluding(failed.backend().name());
        var facts = new RetryPolicy.Facts(state != State.TRYING, safeMethod, body.intact(), body.complete(), retriesMade,
                conditional());
        var verdict = proxy.retries().decide(cause, facts, () -> StickyCookie.pick(proxy, next));
        if (verdict instanceof RetryPolicy.Verdict.Stay<StickyCookie.Choice> stay) {
            // A move off a backend marked down that cannot happen is not a failure: the request keeps waiting.
            if (cause != RetryCause.BACKEND_DOWN) {
                proxy.metrics().retrySkipped(stay.reason());
            }
            return false;
        }
        var retry = (RetryPolicy.Verdict.Retry<StickyCookie.Choice>) verdict;
        proxy.metrics().retry(failed.backend().name(), cause.counted(conditional()));
        retriesMade++;
        failed.close();
        route = next;
        Attempt following = new Attempt(this, proxy, client.eventLoop(), retry.next(), false);
        attempt = following;
        frontend.noteAttempt(following.backend().name(), cause);
        if (replay != null) {
            replay.decide(retry.next().backend(), request, observer, client.eventLoop(), proxy.timeouts().responseTimeout().toMillis(),
                    decision -> replayDecided(following, decision));
            return true;
        }
        client.eventLoop().schedule(() -> {
            if (isCurrent(following)) {
                following.connect();
            }
        }, retry.delayMillis(), TimeUnit.MILLISECONDS);
        return true;
    }

    /** A conditional save the observer decides again for the next backend (not a safe request it only re-decides). */
    private boolean conditional() {
        return replay != null && replay.conditional();
    }

    /** The observer decided what the next backend gets (the observer's time was the pause before the retry). */
    private void replayDecided(Attempt following, ConditionalReplay.Decision decision) {
        if (decision instanceof ConditionalReplay.Decision.Send send) {
            if (!isCurrent(following)) {
                send.body().release();
                return;
            }
            observer = send.observer();
            body.replaceWith(send.body());
            following.connect();
        } else if (isCurrent(following)) {
            end();
            following.close();
            GatheredBody.answerEdit(frontend, proxy, client, method, ((ConditionalReplay.Decision.Answer) decision).response(),
                    clientKeepAlive, startNanos);
        }
    }

    // ---- endings

    /** The request body was malformed after the headers had been forwarded: both connections are spoiled. */
    @Override
    public void requestFramingFailed(Rejection rejection) {
        if (state == State.ENDED) {
            return;
        }
        end();
        attempt.close();
        if (attempt.responseStarted()) {
            client.close();
            frontend.exchangeAborted();
        } else {
            proxy.metrics().request(attempt.backend().name(), method, rejection.status().code(), startNanos);
            frontend.exchangeFailed(rejection);
        }
    }

    /** The client went away: free the backend connection at once, it cannot be reused mid-exchange. */
    @Override
    public void clientClosed() {
        if (state == State.ENDED) {
            return;
        }
        end();
        attempt.close();
        proxy.metrics().request(attempt.backend().name(), method, ProxyMetrics.CLIENT_CLOSED, startNanos);
        client.close();
        frontend.exchangeAborted();
    }

    /** The last attempt failed and no other follows: the client gets {@code errorStatus}, or a truncated response. */
    void fail(Attempt failed, HttpResponseStatus errorStatus, String message) {
        if (state == State.ENDED) {
            return;
        }
        end();
        failed.close();
        String backend = failed.backend().name();
        if (failed.responseStarted()) {
            // Part of the response is already with the client; truncating is the only honest signal left.
            proxy.metrics().request(backend, method, failed.status(), startNanos);
            client.close();
            frontend.exchangeAborted();
        } else {
            proxy.metrics().request(backend, method, errorStatus.code(), startNanos);
            frontend.exchangeFailed(new Rejection(errorStatus, message));
        }
    }

    private void end() {
        state = State.ENDED;
        proxy.waiting().remove(this);
        attempt.cancelTimers();
        body.release();
        if (head != null) {
            head.release();
            head = null;
        }
        if (held != null) {
            held.release();
        }
        proxy.drain().exchangeEnded();
    }
}
