package io.grafanaha.gateway.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 client that writes frames byte by byte over TLS (ALPN h2), for the attacks a well-behaved codec refuses to
 * produce: HEADERS beyond the server's stream limit, CONTINUATION without end, HPACK bombs, control-frame floods. It
 * reads back only what the tests assert: GOAWAY, RST_STREAM and which streams got response HEADERS.
 */
public final class RawH2Client implements AutoCloseable {
    public static final int HEADERS = 0x1;
    public static final int SETTINGS = 0x4;
    public static final int PING = 0x6;
    public static final int CONTINUATION = 0x9;
    public static final int END_STREAM = 0x1;
    public static final int END_HEADERS = 0x4;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final CompletableFuture<Long> goAway = new CompletableFuture<>();
    private final Map<Integer, Long> resets = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> answered = new ConcurrentHashMap<>();

    /** {@code reading}: false for a client that never reads what the server sends (its receive buffer kept small). */
    public RawH2Client(int port, boolean reading) throws Exception {
        SslContext ssl = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "127.0.0.1", port)).addLast(new Frames());
                    }
                });
        if (!reading) {
            bootstrap.option(ChannelOption.SO_RCVBUF, 4096);
        }
        channel = bootstrap.connect("127.0.0.1", port).sync().channel();
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        handler.handshakeFuture().await(5, TimeUnit.SECONDS);
        if (!ApplicationProtocolNames.HTTP_2.equals(handler.applicationProtocol())) {
            throw new IllegalStateException("no h2 (ALPN: " + handler.applicationProtocol() + ")");
        }
        if (!reading) {
            channel.config().setAutoRead(false);
        }
        ByteBuf start = Unpooled.buffer();
        start.writeBytes(Http2CodecUtil.connectionPrefaceBuf());
        frame(start, SETTINGS, 0, 0, new byte[0]);
        channel.writeAndFlush(start).sync();
    }

    /** Appends one frame to {@code out}. */
    public static void frame(ByteBuf out, int type, int flags, int stream, byte[] payload) {
        out.writeMedium(payload.length).writeByte(type).writeByte(flags).writeInt(stream).writeBytes(payload);
    }

    /** A minimal request header block: GET https 127.0.0.1 {@code path}, in HPACK (static-table names, literal values). */
    public static byte[] requestBlock(String path) {
        byte[] p = path.getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x82).writeByte(0x87); // :method GET, :scheme https (static table 2 and 7)
        b.writeByte(0x04).writeByte(p.length).writeBytes(p); // :path, literal without indexing, name index 4
        b.writeByte(0x01).writeByte(9).writeBytes("127.0.0.1".getBytes(StandardCharsets.US_ASCII)); // :authority, index 1
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    /** Writes bytes as they are and flushes; completes once written. */
    public void send(ByteBuf bytes) throws InterruptedException {
        channel.writeAndFlush(bytes).await(30, TimeUnit.SECONDS);
    }

    /** Starts reading again (a client that stopped reading, e.g. to let a flood's answers pile up). */
    public void read() {
        channel.config().setAutoRead(true);
    }

    /** The error code of the GOAWAY the server sent. */
    public CompletableFuture<Long> goAway() {
        return goAway;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    public Long resetCode(int stream) {
        return resets.get(stream);
    }

    public boolean answered(int stream) {
        return answered.containsKey(stream);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private final class Frames extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.readableBytes() >= 9) {
                int length = in.getUnsignedMedium(in.readerIndex());
                if (in.readableBytes() < 9 + length) {
                    return;
                }
                in.skipBytes(3);
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                ByteBuf payload = in.readSlice(length);
                switch (type) {
                    case 0x1 -> answered.put(stream, true);
                    case 0x3 -> resets.put(stream, payload.getUnsignedInt(0));
                    case 0x7 -> goAway.complete(payload.getUnsignedInt(4));
                    default -> {
                    }
                }
            }
        }
    }
}
