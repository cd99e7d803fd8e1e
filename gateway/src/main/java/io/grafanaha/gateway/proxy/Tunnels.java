package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The open WebSocket (and other upgraded) tunnels by backend, so the ones to a backend that went down
 * or was drained can be closed: Grafana's frontend then reconnects, through the gateway, to whichever
 * backend serves now.
 */
final class Tunnels {
    /** RFC 6455 §7.4.1 "Service Restart": the client may reconnect, and should. */
    static final int SERVICE_RESTART = 1012;
    /** How long a tunnel closed inside a WebSocket frame waits for that frame to finish before it is cut off. */
    static final long FRAME_GRACE_MILLIS = 1000;

    private record Open(String backend, Channel client, Channel backendChannel, FrameBoundary toClient) {}

    private final Set<Open> open = ConcurrentHashMap.newKeySet();

    /** {@code toClient} follows the frames going to the client; null for a tunnel that is not a WebSocket. */
    void add(String backend, Channel client, Channel backendChannel, FrameBoundary toClient) {
        Open tunnel = new Open(backend, client, backendChannel, toClient);
        open.add(tunnel);
        client.closeFuture().addListener(f -> open.remove(tunnel));
        backendChannel.closeFuture().addListener(f -> open.remove(tunnel));
    }

    /** Closes every tunnel to {@code backend}, each on its own event loop; returns how many there were. */
    int close(String backend, String reason) {
        int n = 0;
        for (Open tunnel : open) {
            if (tunnel.backend().equals(backend) && open.remove(tunnel)) {
                n++;
                tunnel.client().eventLoop().execute(() -> close(tunnel, reason));
            }
        }
        return n;
    }

    private static void close(Open tunnel, String reason) {
        if (tunnel.client().isActive() && tunnel.toClient() != null && !tunnel.toClient().atBoundary()) {
            RelayHandler relay = tunnel.backendChannel().pipeline().get(RelayHandler.class);
            if (relay != null) {
                // Inside a frame a close frame of ours would corrupt it: let that frame finish, then say goodbye;
                // a backend that never finishes it (hung, dying) is cut off after the grace, and the client sees 1006.
                relay.closeAtBoundary(reason);
                tunnel.client().eventLoop().schedule(() -> cutOff(tunnel), FRAME_GRACE_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
        }
        cutOff(tunnel, reason);
    }

    private static void cutOff(Open tunnel, String reason) {
        sayGoodbye(tunnel.client(), tunnel.toClient(), reason);
        cutOff(tunnel);
    }

    private static void cutOff(Open tunnel) {
        // Closing the backend side closes the client side after its pending bytes (see Tunnel).
        tunnel.backendChannel().close();
        RelayHandler.closeAfterFlush(tunnel.client());
    }

    /**
     * Writes a 1012 close frame to the client of a WebSocket tunnel that is about to close, unless one went already
     * or the stream is inside a frame (then no frame of ours can be well-formed, and the client sees 1006). Without
     * it the browser sees the TCP connection drop (1006), and Grafana's frontend waits its back-off before it
     * reconnects; with it, it reconnects at once, through the gateway, to the backend that serves now. Runs on the
     * tunnel's event loop (client and backend share it, so no relay write can interleave).
     *
     * @param toClient follows the frames going to the client; null for a tunnel that is not a WebSocket
     */
    static void sayGoodbye(Channel client, FrameBoundary toClient, String reason) {
        if (client.isActive() && toClient != null && toClient.atBoundary() && !toClient.closeSent()) {
            toClient.markCloseSent();
            client.write(closeFrame(SERVICE_RESTART, reason));
        }
    }

    /** An unmasked (server to client) close frame; the reason is cut to fit a control frame's 125 bytes. */
    static ByteBuf closeFrame(int status, String reason) {
        String cut = reason;
        byte[] text = cut.getBytes(StandardCharsets.UTF_8);
        while (text.length > 123) {
            cut = cut.substring(0, cut.offsetByCodePoints(cut.length(), -1));
            text = cut.getBytes(StandardCharsets.UTF_8);
        }
        ByteBuf frame = Unpooled.buffer(4 + text.length);
        frame.writeByte(0x88);
        frame.writeByte(2 + text.length);
        frame.writeShort(status);
        frame.writeBytes(text);
        return frame;
    }
}
