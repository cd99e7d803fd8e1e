package io.grafanaha.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class FrameBoundaryTest {
    private final FrameBoundary frames = new FrameBoundary();

    private static byte[] textFrame(int payload) {
        int ext = payload < 126 ? 0 : payload < 65536 ? 2 : 8;
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x81);
        if (ext == 0) {
            b.writeByte(payload);
        } else if (ext == 2) {
            b.writeByte(126).writeShort(payload);
        } else {
            b.writeByte(127).writeLong(payload);
        }
        b.writeZero(payload);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    @Test
    void followsFramesSplitAnywhere() {
        byte[] stream = concat(textFrame(5), textFrame(300), textFrame(70_000));
        for (int i = 0; i < stream.length; i++) {
            frames.consume(Unpooled.wrappedBuffer(stream, i, 1));
            boolean end = i == 6 || i == 6 + 304 || i == stream.length - 1;
            assertThat(frames.atBoundary()).as("after byte %d", i).isEqualTo(end);
        }
    }

    @Test
    void closeFrameCarries1012AndTheReason() {
        ByteBuf frame = Tunnels.closeFrame(Tunnels.SERVICE_RESTART, "grafana-a is down");
        assertThat((int) frame.getUnsignedByte(0)).isEqualTo(0x88);
        assertThat((int) frame.getUnsignedByte(1)).isEqualTo(2 + "grafana-a is down".length());
        assertThat(frame.getUnsignedShort(2)).isEqualTo(1012);
        assertThat((int) Tunnels.closeFrame(1012, "é".repeat(100)).getUnsignedByte(1)).isLessThanOrEqualTo(125);
    }

    @Test
    void aCloseFrameFromTheBackendIsNoticedSoTheGatewayNeverSendsASecondOne() {
        frames.consume(Unpooled.wrappedBuffer(textFrame(5)));
        assertThat(frames.closeSent()).isFalse();

        frames.consume(Tunnels.closeFrame(1001, "going away"));

        assertThat(frames.closeSent()).isTrue();
        assertThat(frames.atBoundary()).isTrue();
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }
}
