import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * The floor under the gateway's HTTP/2: the same JVM, Netty, transport (io_uring), TLS provider (BoringSSL),
 * allocator and event-loop count as the gateway; Netty's HTTP/2 frame codec without a child channel per stream; and
 * for each GET stream one HTTP/1.1 exchange with the backend on a connection pooled per event loop, its answer sent
 * back as a HEADERS and a DATA frame. Nothing else: the request's headers are not forwarded, only the answer's status,
 * type and length come back, no routing, no metrics, no log. Whatever this costs per stream is the cost of Netty's
 * codec and one backend exchange; what the gateway costs above it is its own work. A bench tool, not a proxy: GET
 * only, answers with a Content-Length only, no backpressure, no timeouts.
 *
 * <p>Three ways to use Netty's HTTP/2, chosen by the fifth argument: {@code codec} (the default), the
 * {@code Http2FrameCodec} the gateway uses, which turns each frame into an object tied to its stream, handled on the
 * connection's own handler; {@code multiplex}, the same codec with a child channel and pipeline per stream
 * ({@code Http2MultiplexHandler}), as the gateway has it; or {@code listener}, the {@code Http2ConnectionHandler}
 * under the codec, whose frame listener is called with each stream's headers and whose encoder writes the answer,
 * with no frame objects.
 *
 * <p>{@code java -cp gateway/target/grafana-ha-gateway.jar bench/H2Floor.java <listen port> <backend port> <cert> <key> [codec|multiplex|listener]}
 */
public final class H2Floor {
    private static final Http2Settings SETTINGS = Http2Settings.defaultSettings().maxConcurrentStreams(128);
    private static int backendPort;
    /** Idle backend connections of each event loop (streams and their backend connections share the loop). */
    private static final FastThreadLocal<ArrayDeque<Channel>> IDLE = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Channel> initialValue() {
            return new ArrayDeque<>();
        }
    };

    public static void main(String[] args) throws Exception {
        int listen = Integer.parseInt(args[0]);
        backendPort = Integer.parseInt(args[1]);
        String mode = args.length < 5 ? "codec" : args[4];
        if (!mode.equals("codec") && !mode.equals("multiplex") && !mode.equals("listener")) {
            throw new IllegalArgumentException("the fifth argument is codec, multiplex or listener, not " + mode);
        }
        System.setProperty("io.netty.iouring.pollAddMultishotEnabled", "false");
        SslContext tls = SslContextBuilder.forServer(new File(args[2]), new File(args[3]))
                .sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.3", "TLSv1.2")
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                .build();
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), IoUringIoHandler.newFactory());
        Channel server = new ServerBootstrap()
                .group(loops)
                .channel(IoUringServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        client.pipeline()
                                .addLast(tls.newHandler(client.alloc()))
                                .addLast(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
                        switch (mode) {
                            case "codec" -> client.pipeline()
                                    .addLast(Http2FrameCodecBuilder.forServer().initialSettings(SETTINGS).build())
                                    .addLast(new FrameStreams());
                            case "multiplex" -> client.pipeline()
                                    .addLast(Http2FrameCodecBuilder.forServer().initialSettings(SETTINGS).build())
                                    .addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                        @Override
                                        protected void initChannel(Http2StreamChannel stream) {
                                            stream.pipeline().addLast(new StreamChild());
                                        }
                                    }));
                            default -> client.pipeline().addLast(new ListenerBuilder().initialSettings(SETTINGS).build());
                        }
                    }
                })
                .bind("127.0.0.1", listen).sync().channel();
        System.out.println("h2 floor 127.0.0.1:" + listen + " -> 127.0.0.1:" + backendPort + " (" + SslProvider.OPENSSL + ", "
                + switch (mode) {
                    case "codec" -> "Http2FrameCodec";
                    case "multiplex" -> "Http2FrameCodec and a child channel per stream";
                    default -> "Http2ConnectionHandler with a frame listener";
                } + ")");
        server.closeFuture().sync();
    }

    /** Sends a stream's answer, or gives up on its connection. */
    private interface Reply {
        void send(Http2Headers headers, ByteBuf body);

        void fail();
    }

    /** The frame codec's API: a HEADERS frame object per request, frame objects written back to its stream. */
    private static final class FrameStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
                Http2FrameStream stream = headers.stream();
                exchange(ctx.channel().eventLoop(), headers.headers(), new Reply() {
                    @Override
                    public void send(Http2Headers answer, ByteBuf body) {
                        ctx.write(new DefaultHttp2HeadersFrame(answer).stream(stream));
                        ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true).stream(stream));
                    }

                    @Override
                    public void fail() {
                        ctx.close();
                    }
                });
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** One stream's child channel (a new handler per stream, as the gateway has): its answer written to the child. */
    private static final class StreamChild extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
                exchange(ctx.channel().eventLoop(), headers.headers(), new Reply() {
                    @Override
                    public void send(Http2Headers answer, ByteBuf body) {
                        ctx.write(new DefaultHttp2HeadersFrame(answer));
                        ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
                    }

                    @Override
                    public void fail() {
                        ctx.channel().parent().close();
                    }
                });
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.channel().parent().close();
        }
    }

    /** The connection handler's API: a listener called per HEADERS, answers written through its encoder. */
    private static final class Listener extends Http2ConnectionHandler {
        Listener(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
            super(decoder, encoder, settings);
        }

        Http2FrameListener frames() {
            return new Http2FrameAdapter() {
                @Override
                public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endStream) {
                    if (endStream) {
                        exchange(ctx.channel().eventLoop(), headers, new Reply() {
                            @Override
                            public void send(Http2Headers answer, ByteBuf body) {
                                encoder().writeHeaders(ctx, streamId, answer, 0, false, ctx.newPromise());
                                encoder().writeData(ctx, streamId, body, 0, true, ctx.newPromise());
                                Listener.this.flush(ctx); // the handler's own flush: it writes what the flow controller holds
                            }

                            @Override
                            public void fail() {
                                ctx.close();
                            }
                        });
                    }
                }

                @Override
                public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                        short weight, boolean exclusive, int padding, boolean endStream) {
                    onHeadersRead(ctx, streamId, headers, padding, endStream);
                }
            };
        }
    }

    private static final class ListenerBuilder extends AbstractHttp2ConnectionHandlerBuilder<Listener, ListenerBuilder> {
        @Override
        protected Listener build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
            Listener listener = new Listener(decoder, encoder, settings);
            frameListener(listener.frames());
            return listener;
        }

        @Override
        public ListenerBuilder initialSettings(Http2Settings settings) {
            return super.initialSettings(settings);
        }

        @Override
        public Listener build() {
            return super.build();
        }
    }

    /** One GET as an HTTP/1.1 exchange on a backend connection of this event loop, pooled or new. */
    static void exchange(EventLoop loop, Http2Headers headers, Reply reply) {
        byte[] request = ("GET " + headers.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        Exchange exchange = new Exchange(reply, request);
        Channel idle = IDLE.get().pollFirst();
        if (idle != null && idle.isActive()) {
            exchange.start(idle);
        } else {
            new Bootstrap().group(loop).channel(IoUringSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .handler(new Answer())
                    .connect("127.0.0.1", backendPort)
                    .addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            exchange.start(f.channel());
                        } else {
                            reply.fail();
                        }
                    });
        }
    }

    private record Exchange(Reply reply, byte[] request) {
        void start(Channel backend) {
            backend.pipeline().get(Answer.class).exchange = this;
            backend.writeAndFlush(backend.alloc().buffer(request.length).writeBytes(request), backend.voidPromise());
        }
    }

    /** Reads one backend answer (head, then Content-Length bytes) and sends it to the exchange's stream. */
    private static final class Answer extends ChannelInboundHandlerAdapter {
        Exchange exchange;
        private ByteBuf head;
        private CompositeByteBuf body;
        private int status;
        private long remaining = -1;
        private String type;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            if (remaining < 0) {
                if (head == null) {
                    head = in;
                } else {
                    ByteBuf joined = ctx.alloc().buffer().writeBytes(head).writeBytes(in);
                    head.release();
                    in.release();
                    head = joined;
                }
                int end = headEnd(head);
                if (end < 0) {
                    return;
                }
                parseHead(head.toString(head.readerIndex(), end - head.readerIndex(), StandardCharsets.ISO_8859_1));
                head.readerIndex(end + 4);
                body = ctx.alloc().compositeBuffer();
                in = head;
                head = null;
            }
            int take = (int) Math.min(remaining, in.readableBytes());
            body.addComponent(true, in.readRetainedSlice(take));
            remaining -= take;
            in.release();
            if (remaining == 0) {
                Exchange done = exchange;
                exchange = null;
                remaining = -1;
                DefaultHttp2Headers headers = new DefaultHttp2Headers();
                headers.status(AsciiString.of(Integer.toString(status)));
                if (type != null) {
                    headers.add("content-type", type);
                }
                headers.addInt("content-length", body.readableBytes());
                ByteBuf answer = body;
                body = null;
                IDLE.get().addLast(ctx.channel());
                done.reply().send(headers, answer);
            }
        }

        /** Where the blank line ending the head starts, or -1. */
        private static int headEnd(ByteBuf buf) {
            for (int i = buf.readerIndex(); (i = buf.indexOf(i, buf.writerIndex(), (byte) '\n')) >= 0; i++) {
                if (i - 3 >= buf.readerIndex() && buf.getByte(i - 1) == '\r' && buf.getByte(i - 2) == '\n' && buf.getByte(i - 3) == '\r') {
                    return i - 3;
                }
            }
            return -1;
        }

        private void parseHead(String text) {
            String[] lines = text.split("\n"); // one character: String.split's fast path, no regular expression per answer
            status = Integer.parseInt(lines[0].substring(9, 12));
            type = null;
            remaining = 0;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                String name = lines[i].substring(0, colon).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    remaining = Long.parseLong(lines[i].substring(colon + 1).trim());
                } else if (name.equalsIgnoreCase("content-type")) {
                    type = lines[i].substring(colon + 1).trim();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            IDLE.get().remove(ctx.channel());
            if (exchange != null) {
                exchange.reply().fail();
            }
        }
    }
}
