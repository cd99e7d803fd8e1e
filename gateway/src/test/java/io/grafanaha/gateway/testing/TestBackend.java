package io.grafanaha.gateway.testing;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

/**
 * A small well-behaved HTTP backend on loopback (the JDK's server), with endpoints that make proxy
 * behaviour observable:
 * <ul>
 *   <li>{@code /echo} 200, body "name=NAME"; remembers the request headers</li>
 *   <li>{@code /upload} reads the body, answers "bytes=N crc=C"</li>
 *   <li>{@code /download?n=N} streams N bytes (chunked) of a repeating pattern</li>
 *   <li>{@code /hold} answers only when {@link #release()} is called</li>
 *   <li>anything else 200 "ok"</li>
 * </ul>
 */
public final class TestBackend implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicReference<Headers> lastHeaders = new AtomicReference<>();
    private final AtomicInteger holding = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong downloadBytesWritten = new java.util.concurrent.atomic.AtomicLong();
    private volatile CountDownLatch hold = new CountDownLatch(1);

    public TestBackend(String name) {
        this.name = name;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String name() {
        return name;
    }

    public int hits(String path) {
        return hits.getOrDefault(path, new AtomicInteger()).get();
    }

    public int totalHits() {
        return hits.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    public Headers lastHeaders() {
        return lastHeaders.get();
    }

    /** Requests to /hold currently waiting. */
    public int holding() {
        return holding.get();
    }

    /** Bytes /download has handed to its socket so far, across requests. */
    public long downloadBytesWritten() {
        return downloadBytesWritten.get();
    }

    public void release() {
        hold.countDown();
    }

    private void handle(HttpExchange exchange) throws IOException {
        URI uri = exchange.getRequestURI();
        hits.computeIfAbsent(uri.getPath(), p -> new AtomicInteger()).incrementAndGet();
        lastHeaders.set(exchange.getRequestHeaders());
        try (exchange) {
            switch (uri.getPath()) {
                case "/upload" -> {
                    CRC32 crc = new CRC32();
                    long n = 0;
                    byte[] buf = new byte[64 * 1024];
                    try (InputStream in = exchange.getRequestBody()) {
                        for (int r; (r = in.read(buf)) > 0; ) {
                            crc.update(buf, 0, r);
                            n += r;
                        }
                    }
                    text(exchange, 200, "bytes=" + n + " crc=" + crc.getValue());
                }
                case "/download" -> {
                    long n = Long.parseLong(uri.getQuery().substring(2));
                    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                    exchange.sendResponseHeaders(200, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        byte[] chunk = pattern(64 * 1024);
                        for (long left = n; left > 0; left -= chunk.length) {
                            int n2 = (int) Math.min(chunk.length, left);
                            out.write(chunk, 0, n2);
                            downloadBytesWritten.addAndGet(n2);
                        }
                    }
                }
                case "/hold" -> {
                    holding.incrementAndGet();
                    try {
                        hold.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        holding.decrementAndGet();
                    }
                    text(exchange, 200, "held");
                }
                case "/echo" -> {
                    exchange.getRequestBody().readAllBytes();
                    exchange.getResponseHeaders().set("Connection", "X-Backend-Hop");
                    exchange.getResponseHeaders().set("X-Backend-Hop", "should not reach the client");
                    exchange.getResponseHeaders().set("X-Backend", name);
                    text(exchange, 200, "name=" + name);
                }
                default -> {
                    exchange.getRequestBody().readAllBytes();
                    exchange.getResponseHeaders().set("X-Backend", name);
                    text(exchange, 200, "ok");
                }
            }
        }
    }

    /** The byte pattern /download streams, for checksums on the client side. */
    public static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    private static void text(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    public List<String> header(String name) {
        Headers h = lastHeaders.get();
        return h == null ? List.of() : h.getOrDefault(name, List.of());
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        executor.shutdownNow();
    }
}
