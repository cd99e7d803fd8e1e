package io.grafanaha.testkit.grafana;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A stopped emulator's port, kept bound but not listening. A stopped Grafana must answer "connection refused" and
 * come back on the same port; a port merely left free can meanwhile be bound by another test (or JVM) asking for
 * an ephemeral port, or chosen as the local port of an outgoing connection to it, which then connects to itself.
 * A socket bound without {@code listen()} prevents both, and the kernel still refuses connections to it.
 */
final class PortHold {
    private final Socket socket;

    private PortHold(Socket socket) {
        this.socket = socket;
    }

    /** Binds 127.0.0.1:{@code port}; null when someone else took the port first (restart then says so). */
    static PortHold bind(int port) {
        // The kernel may still be letting go of the listener or of a connection just closed: try again for a moment.
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (true) {
            PortHold exclusive = bind(port, false);
            // Connections the emulator closed itself leave TIME_WAIT entries that refuse an exclusive bind; a shared one
            // still keeps ephemeral binds and outgoing connections off the port (only an explicit SO_REUSEADDR bind of
            // this very port could take it).
            PortHold held = exclusive != null ? exclusive : bind(port, true);
            if (held != null) {
                return held;
            }
            if (System.nanoTime() > deadline) {
                // Say so: a test that relies on the port staying ours can then tell why it did not.
                System.err.println("grafana emulator: could not hold stopped port " + port + " (in use)");
                return null;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private static PortHold bind(int port, boolean reuseAddress) {
        Socket socket = new Socket();
        try {
            socket.setReuseAddress(reuseAddress);
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return new PortHold(socket);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing was bound
            }
            return null;
        }
    }

    /** Frees the port for the listener that comes back on it. */
    void release() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // a close that fails leaves nothing to free
        }
    }
}
