package io.grafanaha.testkit.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;

/**
 * A TCP relay in front of a backend, listening with a backlog of 1: {@code kill -STOP} of this process makes
 * the backend look like a SIGSTOPped Grafana whose accept queue is full. Open connections stop moving, two
 * more are queued by the kernel, and every connection after that gets no SYN-ACK at all, so a proxy's
 * connect neither succeeds nor fails. {@code kill -CONT} resumes it. A bench tool, one thread per direction.
 *
 * <p>{@code java ... BacklogOneRelay --listen 18305 --to 18301}
 */
public final class BacklogOneRelay {
    private BacklogOneRelay() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = Args.parse(args, "listen", "to");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int to = Integer.parseInt(a.get("to"));
        try (ServerSocket server = new ServerSocket(Integer.parseInt(a.get("listen")), 1, loopback)) {
            System.out.println("relaying 127.0.0.1:" + server.getLocalPort() + " -> 127.0.0.1:" + to + " (backlog 1)");
            while (true) {
                Socket client = server.accept();
                Socket backend;
                try {
                    backend = new Socket(loopback, to);
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                pump(client, backend);
                pump(backend, client);
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side went away: the other one closes below
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
        }, "relay");
        t.setDaemon(true);
        t.start();
    }
}
