package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Accepted connections go to the event loop with the fewest open, so the accepting loop is not the busiest. */
class LeastBusyLoopsTest {
    private final LeastBusyLoops group = new LeastBusyLoops(2, NioIoHandler.newFactory());
    private final Map<Integer, EventLoop> loopByClientPort = new ConcurrentHashMap<>();
    private final List<Socket> clients = new ArrayList<>();
    private Channel listener;

    @AfterEach
    void stop() throws Exception {
        for (Socket s : clients) {
            s.close();
        }
        if (listener != null) {
            listener.close().sync();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    private void listen() {
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        loopByClientPort.put(ch.remoteAddress().getPort(), ch.eventLoop());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    private Socket connect() throws Exception {
        Socket s = new Socket("127.0.0.1", ((InetSocketAddress) listener.localAddress()).getPort());
        clients.add(s);
        await().atMost(Duration.ofSeconds(5)).until(() -> loopByClientPort.containsKey(s.getLocalPort()));
        return s;
    }

    private EventLoop loopOf(Socket s) {
        return loopByClientPort.get(s.getLocalPort());
    }

    @Test
    void newConnectionsGoWhereTheFewestAreOpen() throws Exception {
        listen();
        EventLoop accepting = listener.eventLoop();
        EventLoop other = group.loops().get(0) == accepting ? group.loops().get(1) : group.loops().get(0);

        for (int i = 0; i < 4; i++) {
            connect();
        }
        assertThat(clients.stream().filter(s -> loopOf(s) == other)).hasSize(2);
        assertThat(group.openPerLoop()).containsExactly(2, 2);

        // The other loop's two connections close: it has the fewest now, so the next two both go there, where
        // taking turns would have given one to each.
        List<Socket> onOther = clients.stream().filter(s -> loopOf(s) == other).toList();
        for (Socket s : onOther) {
            s.close();
            clients.remove(s);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> group.openPerLoop()[group.loops().indexOf(other)] == 0);
        assertThat(loopOf(connect())).isSameAs(other);
        assertThat(loopOf(connect())).isSameAs(other);
    }
}
