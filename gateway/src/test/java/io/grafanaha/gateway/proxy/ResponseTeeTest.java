package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ResponseTeeTest {
    @Test
    void copiesWithoutConsumingTheClientsBytes() {
        ResponseTee tee = new ResponseTee(1024, false);
        ByteBuf first = Unpooled.copiedBuffer("{\"uid\":", StandardCharsets.UTF_8);
        ByteBuf second = Unpooled.copiedBuffer("\"d1\"}", StandardCharsets.UTF_8);

        tee.add(first);
        tee.add(second);

        assertThat(new String(tee.body(), StandardCharsets.UTF_8)).isEqualTo("{\"uid\":\"d1\"}");
        assertThat(first.readableBytes()).isEqualTo(7);
        assertThat(second.readableBytes()).isEqualTo(5);
    }

    @Test
    void keepsOnlyTheFirstBytesUpToTheCap() {
        ResponseTee tee = new ResponseTee(4, false);

        tee.add(Unpooled.copiedBuffer("abc", StandardCharsets.UTF_8));
        tee.add(Unpooled.copiedBuffer("defg", StandardCharsets.UTF_8));

        assertThat(new String(tee.body(), StandardCharsets.UTF_8)).isEqualTo("abcd");
    }

    @Test
    void inflatesAGzipBody() throws Exception {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write("{\"status\":\"success\"}".getBytes(StandardCharsets.UTF_8));
        }
        ResponseTee tee = new ResponseTee(1024, true);

        tee.add(Unpooled.wrappedBuffer(zipped.toByteArray()));

        assertThat(new String(tee.body(), StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"success\"}");
    }
}
