package io.grafanaha.testkit.faults;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * One named proxy: a listener that forwards every accepted connection to {@code upstream} through the current
 * toxics. Mutations come from the API thread (synchronized); connections read the volatile toxic list.
 */
final class FaultyProxy {

    private final String name;
    private final EventLoopGroup group;
    private final Set<ProxyConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile String listen;
    private volatile String upstream;
    private volatile boolean enabled;
    private volatile List<Toxic> toxics = List.of();
    private Channel listener;

    FaultyProxy(String name, String listen, String upstream, EventLoopGroup group) {
        this.name = name;
        this.listen = listen;
        this.upstream = upstream;
        this.group = group;
    }

    String name() {
        return name;
    }

    String listen() {
        return listen;
    }

    String upstream() {
        return upstream;
    }

    boolean isEnabled() {
        return enabled;
    }

    List<Toxic> toxics() {
        return toxics;
    }

    InetSocketAddress upstreamAddress() {
        return Addresses.parse(upstream, "upstream of proxy " + name);
    }

    synchronized void start() {
        if (enabled) {
            return;
        }
        ChannelFuture bind = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        ProxyConnection.accept(FaultyProxy.this, client);
                    }
                })
                .bind(Addresses.parse(listen, "listen of proxy " + name))
                .awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new ApiException(500, "proxy " + name + " cannot listen on " + listen + ": " + bind.cause());
        }
        listener = bind.channel();
        // Like Toxiproxy, report the port the system chose for ":0", and keep it when re-enabled.
        listen = Addresses.format((InetSocketAddress) listener.localAddress());
        enabled = true;
    }

    synchronized void stop() {
        enabled = false;
        if (listener != null) {
            listener.close().awaitUninterruptibly();
            listener = null;
        }
        List<ChannelFuture> closing = new ArrayList<>();
        for (ProxyConnection connection : connections) {
            closing.add(connection.closeNow());
        }
        closing.forEach(f -> f.awaitUninterruptibly(5, TimeUnit.SECONDS));
    }

    /** Applies a Toxiproxy update: a new listen or upstream restarts the proxy, as in Toxiproxy. */
    synchronized void update(Optional<String> newListen, Optional<String> newUpstream, Optional<Boolean> newEnabled) {
        boolean restart = newListen.filter(l -> !l.equals(listen)).isPresent()
                || newUpstream.filter(u -> !u.equals(upstream)).isPresent();
        boolean wantEnabled = newEnabled.orElse(enabled);
        if (restart || !wantEnabled) {
            stop();
        }
        newListen.ifPresent(l -> listen = l);
        newUpstream.ifPresent(u -> upstream = u);
        if (wantEnabled) {
            start();
        }
    }

    synchronized Toxic addToxic(Toxic toxic) {
        if (find(toxic.name()).isPresent()) {
            throw new ApiException(409, "toxic already exists");
        }
        List<Toxic> next = new ArrayList<>(toxics);
        next.add(toxic);
        publish(next);
        return toxic;
    }

    synchronized Toxic updateToxic(String toxicName, UnaryOperator<Toxic> change) {
        Toxic updated = change.apply(find(toxicName).orElseThrow(() -> new ApiException(404, "toxic not found")));
        publish(toxics.stream().map(t -> t.name().equals(toxicName) ? updated : t).toList());
        return updated;
    }

    synchronized void removeToxic(String toxicName) {
        find(toxicName).orElseThrow(() -> new ApiException(404, "toxic not found"));
        publish(toxics.stream().filter(t -> !t.name().equals(toxicName)).toList());
    }

    synchronized void removeAllToxics() {
        publish(List.of());
    }

    Optional<Toxic> find(String toxicName) {
        return toxics.stream().filter(t -> t.name().equals(toxicName)).findFirst();
    }

    void track(ProxyConnection connection) {
        connections.add(connection);
    }

    void untrack(ProxyConnection connection) {
        connections.remove(connection);
    }

    private void publish(List<Toxic> next) {
        toxics = List.copyOf(next);
        for (ProxyConnection connection : connections) {
            connection.client().eventLoop().execute(connection::refreshToxics);
        }
    }
}
