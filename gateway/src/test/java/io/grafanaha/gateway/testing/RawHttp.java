package io.grafanaha.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Raw-socket HTTP for tests that must send bytes no well-behaved client would send. */
public final class RawHttp {
    private RawHttp() {}

    /** What came back on one connection: everything read, and whether the peer closed it. */
    public record Reply(String text, boolean closed) {
        public String statusLine() {
            int end = text.indexOf("\r\n");
            return end < 0 ? text : text.substring(0, end);
        }

        public int status() {
            String[] parts = statusLine().split(" ");
            return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
        }

        public String body() {
            int start = text.indexOf("\r\n\r\n");
            return start < 0 ? "" : text.substring(start + 4);
        }

        /** Status lines seen: a line starting with HTTP/ (bodies here are JSON or text, never such a line). */
        public long responses() {
            return java.util.Arrays.stream(text.split("\r\n|\n")).filter(l -> l.startsWith("HTTP/")).count();
        }

        public int count(String needle) {
            int n = 0;
            for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
                n++;
            }
            return n;
        }
    }

    /** Sends {@code request} and reads until the server closes or stays silent for {@code waitMillis}. */
    public static Reply send(int port, String request, int waitMillis) {
        return send(port, request.getBytes(StandardCharsets.ISO_8859_1), waitMillis);
    }

    public static Reply send(int port, byte[] request, int waitMillis) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(waitMillis);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return readAll(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Reply readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        boolean closed = false;
        try {
            for (int r; ; ) {
                r = in.read(buf);
                if (r < 0) {
                    closed = true;
                    break;
                }
                out.write(buf, 0, r);
            }
        } catch (SocketTimeoutException e) {
            closed = false;
        } catch (IOException e) {
            closed = true; // reset counts as closed
        }
        return new Reply(out.toString(StandardCharsets.ISO_8859_1), closed);
    }
}
