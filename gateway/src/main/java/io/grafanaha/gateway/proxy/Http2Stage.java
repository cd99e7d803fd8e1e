package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.Http2Config;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.logging.LogLevel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.List;
import java.util.function.BiFunction;

/**
 * HTTP/2 on one client connection: Netty's frame codec with the {@code proxy.http2} limits, then one handler for the
 * connection's streams ({@link Streams}). Each stream is a {@link StreamClient} served by a {@link FrontendHandler}
 * of its own, exactly like an HTTP/1.1 connection with one request (routing, retries, edit capture, rate limits,
 * header policy), an ordinary answer relayed as the backend's bytes as well. Streams have no channel or pipeline of
 * their own: frames are read and written on this handler with the stream named on each.
 *
 * <p>Backpressure: the frame codec returns flow-control window to the client only for DATA its stream's frontend has
 * taken ({@link StreamClient#read()}), so an upload is held by the client until the backend takes it; the other way a
 * response write completes only once the client's window let it out, and {@link Attempt} reads the backend again only
 * then. The connection itself reads freely: what it may buffer is bounded by the windows.
 *
 * <p>Flushes: every stream flushes its own answer, and each flush of the connection is a TLS record and a write
 * call. {@link FlushConsolidationHandler} in front of the codec turns the flushes of one event-loop pass (all the
 * answers the backends' reads completed in it) into one, so 32 streams' answers leave in a few records, not 32.
 *
 * <p>The limits (rapid reset, CONTINUATION and HPACK floods, SETTINGS and PING floods) are the codec's; a client that
 * breaks one gets GOAWAY and is closed, counted in {@code gateway_http2_goaways_sent_total{error}}.
 */
final class Http2Stage {
    static final String FLUSHES = "h2-flushes";
    static final String CODEC = "h2-codec";
    static final String STREAMS = "h2-streams";

    private final Http2Config limits;
    private final ProxyMetrics metrics;
    private final long gracefulShutdownMillis;
    private final BiFunction<AnswerNotes, Client, FrontendHandler> frontends;
    private final BackendPool pool;

    Http2Stage(Http2Config limits, ProxyMetrics metrics, long gracefulShutdownMillis,
            BiFunction<AnswerNotes, Client, FrontendHandler> frontends, BackendPool pool) {
        this.pool = pool;
        this.limits = limits;
        this.metrics = metrics;
        this.gracefulShutdownMillis = gracefulShutdownMillis;
        this.frontends = frontends;
    }

    /** Adds the stage at the end of {@code ch}'s pipeline and starts reading (frames only flow while the connection reads). */
    void install(Channel ch) {
        Http2FrameCodec codec = codec();
        ch.pipeline()
                .addLast(FLUSHES, new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
                .addLast(CODEC, codec)
                .addLast(STREAMS, new Streams(codec.connection(), frontends, pool, ch.eventLoop()));
        ch.config().setAutoRead(true);
    }

    private Http2FrameCodec codec() {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(limits.maxConcurrentStreams())
                .maxHeaderListSize(limits.maxHeaderListSize());
        return new ServerCodecBuilder()
                .initialSettings(settings)
                .headerSensitivityDetector(Http2Stage::neverIndexed)
                .decoderEnforceMaxRstFramesPerWindow(limits.maxResets(), (int) limits.resetWindow().toSeconds())
                .encoderEnforceMaxQueuedControlFrames(limits.maxQueuedControlFrames())
                .gracefulShutdownTimeoutMillis(gracefulShutdownMillis)
                .frameLogger(new Counting(metrics))
                .build();
    }

    /**
     * Answer headers whose value changes from one answer to the next go out as literals, never into the connection's
     * HPACK table: each new request id or date entered there would evict older entries (the server name, the
     * content type...), which the next answers then enter again, a churn that cost more CPU than the bytes it saved.
     * Set-Cookie stays out of the table for its secrets' sake (RFC 7541, section 7.1.3).
     */
    static boolean neverIndexed(CharSequence name, CharSequence value) {
        return RequestIds.X_REQUEST_ID.contentEqualsIgnoreCase(name) || HttpHeaderNames.DATE.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.SET_COOKIE.contentEqualsIgnoreCase(name);
    }

    /**
     * The server's frame codec on a connection whose streams share the client's window in turn
     * ({@link UniformStreamByteDistributor}) rather than by RFC 7540 priorities, which RFC 9113 deprecated: the
     * default weighted-fair distributor keeps a priority tree with an entry per stream, set up and torn down for
     * every request.
     */
    private static final class ServerCodecBuilder extends Http2FrameCodecBuilder {
        ServerCodecBuilder() {
            DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
            connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
            connection(connection);
        }
    }

    /**
     * The streams of one connection: a new stream's HEADERS make its {@link StreamClient} and frontend, its frames go
     * to it, and the codec's word that it closed ends it. Draining closes the connection the HTTP/2 way (GOAWAY, open
     * streams finish within the grace); an idle tick closes a connection without streams and is passed to each open
     * stream's frontend, which lets go of a client that stopped sending its body, as on HTTP/1.1.
     */
    static final class Streams extends ChannelInboundHandlerAdapter {
        private final Http2Connection connection;
        private final BiFunction<AnswerNotes, Client, FrontendHandler> frontends;
        private final BackendPool pool;
        private final EventLoop loop;
        private final HeaderStrings strings = new HeaderStrings();
        /** The open streams by id; touched only on the connection's event loop. */
        private final IntObjectMap<StreamClient> open = new IntObjectHashMap<>();
        private ChannelHandlerContext ctx;
        /**
         * The most streams this client has had open at once, each counted by the pool as a client: streams end and
         * begin all the time, and counting them one by one let the pool close backend connections between two
         * bursts of streams and open them again for the next (a TCP connection per request, TIME_WAIT by the thousand).
         */
        private int peak;

        Streams(Http2Connection connection, BiFunction<AnswerNotes, Client, FrontendHandler> frontends,
                BackendPool pool, EventLoop loop) {
            this.connection = connection;
            this.frontends = frontends;
            this.pool = pool;
            this.loop = loop;
        }

        Http2LocalFlowController inbound() {
            return connection.local().flowController();
        }

        Http2RemoteFlowController outbound() {
            return connection.remote().flowController();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame headers) {
                StreamClient stream = open.get(headers.stream().id());
                if (stream != null) {
                    stream.read(headers);
                } else if (headers.headers().method() != null) {
                    opened(headers);
                }
            } else if (msg instanceof Http2DataFrame data) {
                StreamClient stream = open.get(data.stream().id());
                if (stream != null) {
                    stream.read(data);
                } else {
                    data.release(); // the stream's end returned its window already
                }
            } else {
                ReferenceCountUtil.release(msg); // settings, pings, resets and GOAWAY are the codec's business
            }
        }

        private void opened(Http2HeadersFrame headers) {
            Http2FrameStream frameStream = headers.stream();
            Http2Stream codecStream = connection.stream(frameStream.id());
            if (codecStream == null) {
                return; // reset by the codec as it arrived
            }
            AnswerNotes notes = new AnswerNotes();
            StreamClient stream = new StreamClient(this, ctx, frameStream, codecStream, notes, strings);
            open.put(frameStream.id(), stream);
            if (open.size() > peak) {
                peak++;
                pool.clientOpened(loop);
            }
            stream.serve(frontends.apply(notes, stream));
            stream.read(headers);
        }

        /** A stream that ended itself (a reset it sent): the codec's word that it closed is not needed. */
        void forget(StreamClient stream) {
            open.remove(stream.id());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2FrameStreamEvent event) {
                if (event.type() == Http2FrameStreamEvent.Type.State && event.stream().state() == Http2Stream.State.CLOSED) {
                    StreamClient stream = open.remove(event.stream().id());
                    if (stream != null) {
                        stream.closed();
                    }
                }
            } else if (evt == Drain.STARTED) {
                ctx.channel().close();
            } else if (evt instanceof IdleStateEvent) {
                if (open.isEmpty()) {
                    ctx.channel().close();
                } else {
                    List.copyOf(open.values()).forEach(stream -> stream.idle(evt));
                }
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // The codec closed its streams as the connection went; any left are ended here.
            List.copyOf(open.values()).forEach(StreamClient::closed);
            open.clear();
            pool.clientsClosed(loop, peak);
            peak = 0;
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The codec shows us its protocol errors before it answers them with GOAWAY (or RST_STREAM) itself: closing
            // here would send a GOAWAY saying NO_ERROR first. Anything else is I/O on a connection that is gone.
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
                ctx.close();
            }
        }
    }

    /** Netty's frame logger is the one place every GOAWAY and RST_STREAM the codec sends passes: count them there. */
    private static final class Counting extends Http2FrameLogger {
        private final ProxyMetrics metrics;

        Counting(ProxyMetrics metrics) {
            super(LogLevel.DEBUG, Http2Stage.class);
            this.metrics = metrics;
        }

        @Override
        public void logGoAway(Direction direction, ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            if (direction == Direction.OUTBOUND) {
                metrics.http2GoAwaySent(errorName(errorCode));
            }
            super.logGoAway(direction, ctx, lastStreamId, errorCode, debugData);
        }

        @Override
        public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
            if (direction == Direction.OUTBOUND) {
                metrics.http2StreamReset(errorName(errorCode));
            }
            super.logRstStream(direction, ctx, streamId, errorCode);
        }

        private static String errorName(long code) {
            Http2Error error = Http2Error.valueOf(code);
            return error == null ? "UNKNOWN" : error.name();
        }
    }
}
