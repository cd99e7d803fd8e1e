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

    /**
     * Sends {@code request} and reads one whole response (by its Content-Length, its last chunk, or the peer's close),
     * waiting up to 10 s for it: a loaded CI machine can take over a second to answer, so a silence of a second is no
     * sign that the answer is complete. Then waits {@link #CLOSE_GRACE_MILLIS} to see whether the peer closes.
     */
    public static Reply oneResponse(int port, String request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(RESPONSE_BOUND_MILLIS);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!complete(out.toString(StandardCharsets.ISO_8859_1))) {
                int r = in.read(buf);
                if (r < 0) {
                    return new Reply(out.toString(StandardCharsets.ISO_8859_1), true);
                }
                out.write(buf, 0, r);
            }
            socket.setSoTimeout(CLOSE_GRACE_MILLIS);
            Reply rest = readAll(in);
            return new Reply(out.toString(StandardCharsets.ISO_8859_1) + rest.text(), rest.closed());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final int RESPONSE_BOUND_MILLIS = 10_000;
    private static final int CLOSE_GRACE_MILLIS = 200;

    /** Whether {@code text} holds a whole response; one without Content-Length or chunked ends only at the close. */
    private static boolean complete(String text) {
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return false;
        }
        String head = text.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT);
        String body = text.substring(headEnd + 4);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("\r\ncontent-length:\\s*(\\d+)").matcher(head);
        if (length.find()) {
            return body.length() >= Integer.parseInt(length.group(1));
        }
        if (head.contains("\r\ntransfer-encoding: chunked")) {
            return body.equals("0\r\n\r\n") || body.endsWith("\r\n0\r\n\r\n");
        }
        return false;
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
