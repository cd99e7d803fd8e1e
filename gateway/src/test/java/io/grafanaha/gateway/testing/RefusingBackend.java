package io.grafanaha.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What Grafana does with a large unauthenticated upload: it reads the request head, answers 401 at once and
 * closes the connection without reading the body, so the kernel resets it (unread bytes were pending).
 */
public final class RefusingBackend implements AutoCloseable {
    public static final String ANSWER_BODY = "{\"message\":\"Unauthorized\"}";
    private final ServerSocket server;
    private final AtomicInteger requests = new AtomicInteger();

    public RefusingBackend() {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "refusing-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Request heads answered so far. */
    public int requests() {
        return requests.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                RawBackend.readHead(socket.getInputStream());
                requests.incrementAndGet();
                byte[] body = ANSWER_BODY.getBytes(StandardCharsets.US_ASCII);
                socket.getOutputStream().write(("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().write(body);
                socket.getOutputStream().flush();
                // Closing with the upload unread: the kernel answers with a reset, as Go's server does.
            } catch (IOException e) {
                // closed by the test, or the gateway hung up
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
