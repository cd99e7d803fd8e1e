package io.grafanaha.gateway.listener;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time a client may take to send a complete request head, counted from its first byte: after it the
 * client gets 408 and the connection closes. Without it a client that sends one header line every few
 * seconds (slowloris) keeps a connection, and the idle timeout never fires because bytes keep coming.
 * An idle keep-alive connection is not affected: the clock starts with the first byte of a request.
 *
 * <p>One instance per connection, in two places of its pipeline: {@link #bytes()} before the decoder sees
 * the first byte of a head and starts the clock; {@link #heads()} after the decoder (or aggregator) sees
 * the decoded request and stops it, and counts responses so that a client still receiving an answer is
 * not cut off. When the decoder leaves the pipeline (a WebSocket tunnel), the clock stops for good.
 *
 * <p>The timer is the connection's, not the request's, and starts only for a head still incomplete after the
 * read that brought its first bytes: a head that arrives whole (almost all do) is decoded within that read and
 * needs none. A head only notes when it started, and a timer already running is left to fire and look (then
 * sleeping again for what remains of the head in progress, or stopping when none is). A keep-alive connection
 * receiving slow heads so schedules at most one timer per timeout period instead of one per request.
 */
public final class RequestHeadDeadline {
    private final long timeoutNanos;
    private final Class<? extends ChannelHandler> decoderType;
    private ChannelHandlerContext headsContext;
    private ScheduledFuture<?> timer;
    private boolean betweenRequests = true;
    /** A head has started and not been decoded yet; {@link #headStartNanos} says when it started. */
    private boolean inHead;
    private long headStartNanos;
    private int unanswered;
    private boolean stopped;

    /**
     * @param timeout     the deadline for a whole request head
     * @param decoderType the decoder this guards; once it is gone from the pipeline the deadline no longer applies
     */
    public RequestHeadDeadline(Duration timeout, Class<? extends ChannelHandler> decoderType) {
        this.timeoutNanos = timeout.toNanos();
        this.decoderType = decoderType;
    }

    /** Goes before the decoder. */
    public ChannelHandler bytes() {
        return new ChannelInboundHandlerAdapter() {
            /** The decoder's place in the pipeline, found on the first read; removed once the connection is a tunnel. */
            private ChannelHandlerContext decoder;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (stopped || !betweenRequests || inHead || !(msg instanceof ByteBuf buf) || !buf.isReadable()) {
                    ctx.fireChannelRead(msg);
                    return;
                }
                if (decoder == null) {
                    decoder = ctx.pipeline().context(decoderType);
                }
                if (decoder == null || decoder.isRemoved()) {
                    ctx.pipeline().remove(this); // a tunnel now: these bytes are not HTTP
                    ctx.fireChannelRead(msg);
                    return;
                }
                inHead = true;
                headStartNanos = System.nanoTime();
                ctx.fireChannelRead(msg);
                // Almost every head arrives whole in one read, and the decoder has handed it on by now: a timer is
                // only worth scheduling for a head still in progress.
                if (inHead && !stopped && timer == null) {
                    timer = ctx.executor().schedule(RequestHeadDeadline.this::expired, timeoutNanos, TimeUnit.NANOSECONDS);
                }
            }

            @Override
            public void handlerRemoved(ChannelHandlerContext ctx) {
                stop();
            }
        };
    }

    /** Goes after the decoder (after the aggregator, if any), before the handler that answers. */
    public ChannelHandler heads() {
        return new ChannelDuplexHandler() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                headsContext = ctx;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    inHead = false; // the timer, if running, finds no head in progress and stops
                    betweenRequests = false;
                    unanswered++;
                }
                if (msg instanceof LastHttpContent) {
                    betweenRequests = true;
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                    ctx.write(msg, promise); // 100 Continue is not the answer
                    return;
                }
                if (msg instanceof LastHttpContent && unanswered > 0) {
                    unanswered--;
                }
                ctx.write(msg, promise);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                stop();
                ctx.fireChannelInactive();
            }
        };
    }

    /** An answer went out past the heads handler (as bytes, below the encoder): it is no longer outstanding. */
    public void answered() {
        if (unanswered > 0) {
            unanswered--;
        }
    }

    private void expired() {
        timer = null;
        if (stopped || !inHead || headsContext == null || !headsContext.channel().isActive()) {
            return;
        }
        long left = timeoutNanos - (System.nanoTime() - headStartNanos);
        if (left > 0) {
            // The head in progress started after this timer was set (an earlier head finished in time).
            timer = headsContext.executor().schedule(this::expired, left, TimeUnit.NANOSECONDS);
            return;
        }
        if (unanswered > 0) {
            // An answer is still streaming; the pipelined head behind it gets its full time once that is done.
            headStartNanos = System.nanoTime();
            timer = headsContext.executor().schedule(this::expired, timeoutNanos, TimeUnit.NANOSECONDS);
            return;
        }
        stopped = true;
        headsContext.writeAndFlush(timeoutResponse()).addListener(ChannelFutureListener.CLOSE);
    }

    private void stop() {
        stopped = true;
        cancelTimer();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private FullHttpResponse timeoutResponse() {
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(timeoutNanos));
        byte[] body = ("{\"message\":\"the request head did not arrive within " + seconds + "s\"}").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT,
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }
}
