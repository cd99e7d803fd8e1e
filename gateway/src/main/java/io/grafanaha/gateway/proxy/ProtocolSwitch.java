package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.List;

/**
 * Chooses HTTP/1.1 or HTTP/2 for a client connection, then steps out of the pipeline: {@link #alpn} after the TLS
 * handshake (the protocol the client and {@code ServerTls} agreed on), {@link #priorKnowledge} on a plain listener
 * with {@code proxy.h2c} (a connection that opens with the HTTP/2 preface). Without either the listener installs
 * HTTP/1.1 directly and this class is not in the pipeline.
 */
final class ProtocolSwitch {
    static final String NAME = "protocol";

    /** What the listener installs for each protocol, at the end of the pipeline. */
    interface Stages {
        void http1(Channel ch);

        void http2(Channel ch);
    }

    private ProtocolSwitch() {
    }

    static ChannelInboundHandlerAdapter alpn(Stages stages) {
        return new Alpn(stages);
    }

    static ByteToMessageDecoder priorKnowledge(Stages stages) {
        return new PriorKnowledge(stages);
    }

    /**
     * HTTP/1.1's handlers were added after the connection became active, so they get their channelActive now
     * (the frontend reads the first request from there).
     */
    private static void http1(ChannelHandlerContext ctx, Stages stages) {
        stages.http1(ctx.channel());
        ctx.fireChannelActive();
    }

    private static final class Alpn extends ChannelInboundHandlerAdapter {
        private final Stages stages;

        Alpn(Stages stages) {
            this.stages = stages;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read(); // AUTO_READ is off: the handshake starts with this read, SslHandler asks for the rest
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof SslHandshakeCompletionEvent done)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            if (!done.isSuccess()) {
                ctx.close(); // a scanner or a client that trusts nothing we offer: no log line per attempt
                return;
            }
            String protocol = ctx.pipeline().get(SslHandler.class).applicationProtocol();
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                stages.http2(ctx.channel());
            } else {
                http1(ctx, stages);
            }
            ctx.pipeline().remove(this);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final class PriorKnowledge extends ByteToMessageDecoder {
        private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
        private final Stages stages;

        PriorKnowledge(Stages stages) {
            this.stages = stages;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
            if (!ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, n)) {
                http1(ctx, stages);
            } else if (n == PREFACE.readableBytes()) {
                stages.http2(ctx.channel());
            } else {
                return; // the start of the preface so far: wait for the rest (ByteToMessageDecoder reads again)
            }
            // Removing this decoder passes the bytes it holds to the protocol's first handler.
            ctx.pipeline().remove(this);
        }
    }
}
