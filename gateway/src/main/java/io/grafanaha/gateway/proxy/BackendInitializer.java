package io.grafanaha.gateway.proxy;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The backend connection's pipeline. Its response decoder is strict too: a response with both
 * Content-Length and Transfer-Encoding, or duplicate lengths, becomes a decoder failure, and the
 * proxy answers 502 rather than guess where the response ends.
 */
final class BackendInitializer extends ChannelInitializer<SocketChannel> {
    static final String IDLE = "idle";
    static final String CODEC = "codec";

    private final Duration idleTimeout;

    BackendInitializer(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(8 * 1024)
                .setMaxHeaderSize(64 * 1024)
                .setMaxChunkSize(ProxyServer.MAX_CHUNK)
                .setAllowDuplicateContentLengths(false)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setValidateHeaders(true);
        ch.pipeline()
                .addLast(IDLE, new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS))
                .addLast(CODEC, new HttpClientCodec(decoder, false, false))
                .addLast(BackendHandler.NAME, new BackendHandler());
    }
}
