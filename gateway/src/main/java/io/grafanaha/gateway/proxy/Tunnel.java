package io.grafanaha.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Turns a client/backend pair into a raw byte tunnel after a 101: the HTTP codecs leave both
 * pipelines, the keep-alive idle timeout is swapped for the WebSocket one, and a {@link RelayHandler}
 * pumps each direction. The order matters: an encoder must be gone before raw bytes are written
 * through it, and a decoder's leftover bytes flow into the relay that replaced its consumer.
 */
final class Tunnel {
    private Tunnel() {}

    /**
     * @param backendName the backend this tunnel leads to, so it can be closed when that backend goes away
     * @param websocket   whether the bytes are WebSocket frames (then the gateway follows frame boundaries)
     */
    static void open(Channel client, Channel backend, String backendName, boolean websocket, ProxyContext proxy) {
        long idle = proxy.timeouts().websocketIdleTimeout().toMillis();
        ChannelPipeline front = client.pipeline();
        front.remove(ProxyServer.ENCODER);
        front.replace(ProxyServer.IDLE, ProxyServer.IDLE, new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));

        ChannelPipeline back = backend.pipeline();
        back.replace(BackendInitializer.IDLE, BackendInitializer.IDLE, new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
        FrameBoundary toClient = websocket ? new FrameBoundary() : null;
        back.replace(BackendHandler.NAME, RelayHandler.NAME, new RelayHandler(client, toClient));
        back.remove(BackendInitializer.CODEC);
        back.remove(ResponseFramer.NAME);
        back.remove(BackendInitializer.ENCODER);

        front.replace(FrontendHandler.NAME, RelayHandler.NAME, new RelayHandler(backend, null));
        front.remove(ProxyServer.DECODER);

        proxy.metrics().tunnelOpened();
        proxy.tunnels().add(backendName, client, backend, toClient);
        backend.closeFuture().addListener(f -> proxy.metrics().tunnelClosed());
        client.closeFuture().addListener(f -> RelayHandler.closeAfterFlush(backend));
        backend.closeFuture().addListener(f -> {
            // The backend went away (stopped, crashed, or closed by the gateway): tell the browser to reconnect now.
            Tunnels.sayGoodbye(client, toClient, "backend " + backendName + " closed the connection");
            RelayHandler.closeAfterFlush(client);
        });
        client.read();
        backend.read();
    }
}
