package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.testing.ConfigFixture;
import io.grafanaha.gateway.testing.RawHttp;
import io.grafanaha.gateway.testing.TestBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests on one connection, over a real socket: pipelined ordinary heads and a request with a body are answered in
 * the order they were sent, each with its own answer, and a head that arrives in two writes is served like any other.
 */
class PipelinedRequestsTest {
    private static final String BODY = "hello world";

    private TestBackend backend;
    private ProxyServer proxy;

    @BeforeEach
    void start() {
        backend = new TestBackend("a");
        var config = ConfigFixture.gateway().backend("grafana-a", backend.port()).build();
        proxy = new ProxyServer(config, ConfigFixture.staticRouter(config), new SimpleMeterRegistry()).start();
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    @Test
    void pipelinedGetsAroundAPostAreAnsweredInOrder() {
        String requests = "GET /echo HTTP/1.1\r\nHost: g\r\n\r\n"
                + "POST /upload HTTP/1.1\r\nHost: g\r\nContent-Length: " + BODY.length() + "\r\n\r\n" + BODY
                + "GET /other HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n";
        RawHttp.Reply reply = RawHttp.send(proxy.port(), requests, 10_000);
        assertThat(reply.count("HTTP/1.1 200 OK\r\n")).isEqualTo(3); // bodies end without a line break
        String text = reply.text();
        int echo = text.indexOf("\r\n\r\nname=a");
        int upload = text.indexOf("\r\n\r\nbytes=" + BODY.length() + " crc=" + crc(BODY));
        int other = text.indexOf("\r\n\r\nok");
        assertThat(echo).isNotNegative().isLessThan(upload);
        assertThat(upload).isLessThan(other);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void aHeadSentInTwoWritesIsServed() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /echo HTTP/1.1\r\nHo".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            out.write("st: g\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            RawHttp.Reply reply = RawHttp.readAll(socket.getInputStream());
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("name=a");
        }
    }

    private static long crc(String text) {
        CRC32 crc = new CRC32();
        crc.update(text.getBytes(StandardCharsets.ISO_8859_1));
        return crc.getValue();
    }
}
