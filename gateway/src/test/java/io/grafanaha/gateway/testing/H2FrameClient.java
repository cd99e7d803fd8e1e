package io.grafanaha.gateway.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/2 client that speaks frames, not requests (Netty's {@link Http2FrameCodec} as the client), for tests that
 * must behave badly: open streams and reset them, send raw frames the codec would never write, or stop returning
 * flow-control window. It returns no window for DATA it receives: a stream gets at most the initial 64 KiB unless
 * the test calls {@link #consume} (the connection's window is 16 MiB, as browsers open it).
 */
public final class H2FrameClient implements AutoCloseable {
    private static final int CONNECTION_WINDOW = 16 * 1024 * 1024;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final Http2FrameCodec codec;
    private final Collector collector = new Collector();
    private final java.util.concurrent.atomic.AtomicReference<Throwable> writeFailure = new java.util.concurrent.atomic.AtomicReference<>();
    private final CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();
    private final Map<Integer, Http2Headers> responses = new ConcurrentHashMap<>();
    private final Map<Integer, Http2Headers> interims = new ConcurrentHashMap<>();
    private final Map<Integer, Http2Headers> trailers = new ConcurrentHashMap<>();
    private final Map<Integer, Long> resets = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> dataBytes = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> ended = new ConcurrentHashMap<>();

    private H2FrameClient(int port, boolean tls) throws InterruptedException {
        SslContext ssl = tls ? sslContext() : null;
        codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(1000))
                // Raw floods and resets are the point of these tests: the client side must not refuse to send them.
                .encoderEnforceMaxQueuedControlFrames(0)
                .encoderEnforceMaxRstFramesPerWindow(0, 0)
                .build();
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "127.0.0.1", port));
                        }
                        ch.pipeline().addLast(codec).addLast(collector);
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
        if (ssl != null) {
            SslHandler handler = channel.pipeline().get(SslHandler.class);
            handler.handshakeFuture().await(5, TimeUnit.SECONDS);
            if (!ApplicationProtocolNames.HTTP_2.equals(handler.applicationProtocol())) {
                throw new IllegalStateException("the server did not agree to h2 (ALPN: " + handler.applicationProtocol() + ")");
            }
        }
        // Like a browser (Chrome opens 15 MB), a connection window far larger than a stream's: one stream that is not
        // read must not starve the others.
        onLoop(() -> {
            codec.connection().local().flowController().incrementWindowSize(codec.connection().connectionStream(), CONNECTION_WINDOW);
            channel.flush();
            return null;
        });
    }

    /** Over TLS, with ALPN h2; any certificate is accepted. */
    public static H2FrameClient tls(int port) throws InterruptedException {
        return new H2FrameClient(port, true);
    }

    /** h2c with prior knowledge. */
    public static H2FrameClient cleartext(int port) throws InterruptedException {
        return new H2FrameClient(port, false);
    }

    private static SslContext sslContext() {
        try {
            return SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2))
                    .build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Request headers for {@code path} (GET, https). */
    public static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("https").authority("127.0.0.1").path(path);
    }

    /** Sends HEADERS (with END_STREAM) on a new stream; the stream, for later frames. */
    public Http2FrameStream request(Http2Headers headers) {
        return onLoop(() -> {
            Http2FrameStream stream = collector.newStream();
            channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true).stream(stream));
            return stream;
        });
    }

    /** Sends HEADERS without END_STREAM on a new stream (a request whose body follows); the stream, for its DATA. */
    public Http2FrameStream open(Http2Headers headers) {
        return onLoop(() -> {
            Http2FrameStream stream = collector.newStream();
            channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, false).stream(stream));
            return stream;
        });
    }

    /**
     * Rapid reset: {@code times} streams, each HEADERS then at once RST_STREAM(CANCEL). Each pair is flushed before the
     * next stream opens, so the client never has more than one stream open and never meets the server's concurrency
     * limit: that is what makes the attack cheap for the client and costly for the server.
     */
    public void requestAndReset(Http2Headers headers, int times) {
        onLoop(() -> {
            for (int i = 0; i < times && channel.isActive(); i++) {
                Http2FrameStream stream = collector.newStream();
                channel.write(new DefaultHttp2HeadersFrame(headers, true).stream(stream)).addListener(f -> {
                    if (!f.isSuccess()) {
                        writeFailure.compareAndSet(null, f.cause());
                    }
                });
                channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream));
            }
            return null;
        });
    }

    /** The first frame this client could not send (its own codec refused it, or the connection was gone), or null. */
    public Throwable writeFailure() {
        return writeFailure.get();
    }

    /** Writes a frame object through the codec (HEADERS, RST_STREAM, PING, SETTINGS...), flushed. */
    public void write(Object frame) {
        channel.writeAndFlush(frame);
    }

    /**
     * Sends {@code data} on {@code stream} as DATA, ending the stream; the future completes once the client's codec
     * wrote it all, which the server's flow-control windows decide.
     */
    public ChannelFuture sendData(Http2FrameStream stream, ByteBuf data) {
        return channel.writeAndFlush(new DefaultHttp2DataFrame(data, true).stream(stream));
    }

    /** Writes bytes below the codec: frames it would refuse to produce, e.g. a CONTINUATION without end. */
    public void writeRaw(ByteBuf bytes) {
        channel.eventLoop().execute(() -> channel.pipeline().context(codec).writeAndFlush(bytes));
    }

    /** Returns {@code bytes} of window to the server for {@code stream}, as a reading application would. */
    public void consume(Http2FrameStream stream, int bytes) {
        channel.eventLoop().execute(() -> {
            try {
                codec.connection().local().flowController().consumeBytes(codec.connection().stream(stream.id()), bytes);
                channel.flush();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The GOAWAY the server sent, when it does. */
    public CompletableFuture<Http2GoAwayFrame> goAway() {
        return goAway;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** The final (non-1xx) response headers of a stream, or null before they came. */
    public Http2Headers responseHeaders(int streamId) {
        return responses.get(streamId);
    }

    /** The first interim (1xx) response headers of a stream, or null. */
    public Http2Headers interimHeaders(int streamId) {
        return interims.get(streamId);
    }

    /** The trailers that ended a stream after its response headers, or null. */
    public Http2Headers trailers(int streamId) {
        return trailers.get(streamId);
    }

    /** The RST_STREAM error code the server sent for a stream, or null. */
    public Long resetCode(int streamId) {
        return resets.get(streamId);
    }

    public long dataBytes(int streamId) {
        AtomicLong n = dataBytes.get(streamId);
        return n == null ? 0 : n.get();
    }

    public boolean ended(int streamId) {
        return ended.containsKey(streamId);
    }

    public int answered() {
        return (int) ended.size();
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> task) {
        try {
            return channel.eventLoop().submit(task).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private final class Collector extends Http2ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame headers) {
                    CharSequence status = headers.headers().status();
                    boolean interim = status != null && status.length() == 3 && status.charAt(0) == '1';
                    if (!interim && responses.containsKey(headers.stream().id())) {
                        trailers.put(headers.stream().id(), headers.headers());
                    }
                    (interim ? interims : responses).putIfAbsent(headers.stream().id(), headers.headers());
                    if (headers.isEndStream()) {
                        ended.put(headers.stream().id(), true);
                    }
                } else if (msg instanceof Http2DataFrame data) {
                    dataBytes.computeIfAbsent(data.stream().id(), id -> new AtomicLong()).addAndGet(data.content().readableBytes());
                    if (data.isEndStream()) {
                        ended.put(data.stream().id(), true);
                    }
                } else if (msg instanceof Http2ResetFrame reset) {
                    resets.put(reset.stream().id(), reset.errorCode());
                } else if (msg instanceof Http2GoAwayFrame frame) {
                    goAway.complete(frame.retain());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
