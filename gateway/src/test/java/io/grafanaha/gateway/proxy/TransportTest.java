package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TransportTest {
    private final Transport transport = Transport.best();
    private final EventLoopGroup group = transport.newGroup(1);
    private final List<Socket> clients = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (Socket s : clients) {
            s.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Connections that arrived while the listener's event loop was busy (they wait in the kernel's backlog) are
     * taken up to {@link Transport#ACCEPTS_PER_PASS} at a time, not one per pass: under load a pass takes
     * milliseconds, and one accept per pass left clients of a busy gateway waiting seconds for their first answer.
     */
    @Test
    void connectionsWaitingForABusyListenerAreAcceptedManyPerPass() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger passes = new AtomicInteger();
        Channel listener = transport.listener(group, "test")
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        listener.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object child) {
                accepted.incrementAndGet();
                ctx.fireChannelRead(child);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                passes.incrementAndGet();
                ctx.fireChannelReadComplete();
            }
        });
        int port = ((InetSocketAddress) listener.localAddress()).getPort();

        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        listener.eventLoop().execute(() -> {
            blocked.countDown();
            try {
                busy.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        blocked.await();
        int arriving = 2 * Transport.ACCEPTS_PER_PASS;
        for (int i = 0; i < arriving; i++) {
            clients.add(new Socket("127.0.0.1", port)); // the kernel completes the handshake; the loop has not accepted
        }
        busy.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() == arriving);
        // Two full passes, and at most one more that found the backlog empty; one accept per pass would be 32.
        assertThat(passes.get()).isLessThanOrEqualTo(3);
    }
}
