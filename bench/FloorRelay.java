import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * The floor under the gateway: the same JVM, Netty version, transport (io_uring), allocator, event-loop count (one per
 * core) and socket options as the gateway, relaying bytes between each client connection and a backend connection of
 * its own on the client's event loop, with a flush per read burst, and nothing else: no HTTP, no routing, no metrics,
 * no log. Whatever this costs or waits is the platform's; what the gateway costs or waits above it is its own work.
 * A bench tool, not a proxy: no backpressure, no timeouts.
 *
 * <p>{@code java -cp gateway/target/grafana-ha-gateway.jar bench/FloorRelay.java <listen port> <backend port>}
 */
public final class FloorRelay {
    public static void main(String[] args) throws InterruptedException {
        int listen = Integer.parseInt(args[0]);
        int backendPort = Integer.parseInt(args[1]);
        // As the gateway does (bench/README, "io_uring by default"): one-shot polls, so a reset is never missed.
        System.setProperty("io.netty.iouring.pollAddMultishotEnabled", "false");
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), IoUringIoHandler.newFactory());
        Channel server = new ServerBootstrap()
                .group(loops)
                .channel(IoUringServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        Bootstrap backend = new Bootstrap()
                                .group(client.eventLoop())
                                .channel(IoUringSocketChannel.class)
                                .option(ChannelOption.TCP_NODELAY, true)
                                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                                .handler(new Pipe(client));
                        backend.connect("127.0.0.1", backendPort).addListener((ChannelFutureListener) f -> {
                            if (!f.isSuccess()) {
                                client.close();
                                return;
                            }
                            client.pipeline().addLast(new Pipe(f.channel()));
                            client.config().setAutoRead(true);
                            client.read();
                        });
                    }
                })
                .bind("127.0.0.1", listen).sync().channel();
        System.out.println("floor relay 127.0.0.1:" + listen + " -> 127.0.0.1:" + backendPort);
        server.closeFuture().sync();
    }

    /** Bytes read on one side go to the other; flushed once the read burst ends. */
    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel to;

        Pipe(Channel to) {
            this.to = to;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (to.isActive()) {
                to.write(msg, to.voidPromise());
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            to.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            to.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
