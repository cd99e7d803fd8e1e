package io.grafanaha.testkit.faults;

import java.util.List;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * One client connection and its upstream connection. Both channels share the client's event loop, as in
 * Netty's proxy example, so the two {@link ToxicPipe}s and every timer run on one thread.
 */
final class ProxyConnection {

    private final FaultyProxy proxy;
    private final Channel client;
    private Channel server;
    private ToxicPipe upstream;
    private ToxicPipe downstream;

    private ProxyConnection(FaultyProxy proxy, Channel client) {
        this.proxy = proxy;
        this.client = client;
    }

    /** Takes over an accepted client channel (auto-read off) and dials the upstream for it. */
    static void accept(FaultyProxy proxy, Channel client) {
        ProxyConnection connection = new ProxyConnection(proxy, client);
        client.pipeline().addLast(new RelayHandler(connection, true));
        new Bootstrap()
                .group(client.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new RelayHandler(connection, false))
                .connect(proxy.upstreamAddress())
                .addListener((ChannelFuture connect) -> {
                    if (connect.isSuccess()) {
                        connection.connected(connect.channel());
                    } else {
                        // Toxiproxy drops the client when the upstream cannot be reached.
                        client.close();
                    }
                });
    }

    private void connected(Channel upstreamChannel) {
        server = upstreamChannel;
        // Track before checking enabled: a concurrent disable either sees this connection or we see it disabled.
        proxy.track(this);
        client.closeFuture().addListener(f -> proxy.untrack(this));
        if (!client.isActive() || !proxy.isEnabled()) {
            closeNow();
            return;
        }
        upstream = new ToxicPipe(ToxicStream.UPSTREAM, this, client, server);
        downstream = new ToxicPipe(ToxicStream.DOWNSTREAM, this, server, client);
        refreshToxics();
        client.config().setAutoRead(true);
        server.config().setAutoRead(true);
    }

    List<Toxic> toxics() {
        return proxy.toxics();
    }

    Channel client() {
        return client;
    }

    /** Called on the event loop when the proxy's toxics change. */
    void refreshToxics() {
        if (upstream != null) {
            upstream.refresh(proxy.toxics());
            downstream.refresh(proxy.toxics());
        }
    }

    void onRead(boolean fromClient, ByteBuf data) {
        ToxicPipe pipe = fromClient ? upstream : downstream;
        if (pipe == null) {
            data.release();
        } else {
            pipe.onRead(data);
        }
    }

    void onClosed(boolean fromClient) {
        ToxicPipe pipe = fromClient ? upstream : downstream;
        if (pipe != null) {
            pipe.onSourceClosed();
        }
    }

    void onWritabilityChanged(boolean clientSide) {
        ToxicPipe pipeWritingHere = clientSide ? downstream : upstream;
        if (pipeWritingHere != null) {
            pipeWritingHere.updateAutoRead();
        }
    }

    /** Closes both sides once what was already written has been flushed. */
    void close() {
        for (Channel channel : channels()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Closes both sides with a TCP RST: linger 0 makes the kernel send RST instead of FIN. */
    void reset() {
        for (Channel channel : channels()) {
            if (channel.isOpen()) {
                try {
                    channel.config().setOption(ChannelOption.SO_LINGER, 0);
                } catch (RuntimeException alreadyGone) {
                    // The socket closed under us; closing it again is all that is left to do.
                }
                channel.close();
            }
        }
    }

    /** Drops both sides at once, as a disabled or deleted proxy does. */
    ChannelFuture closeNow() {
        if (server != null) {
            server.close();
        }
        return client.close();
    }

    private List<Channel> channels() {
        return server == null ? List.of(client) : List.of(client, server);
    }
}
