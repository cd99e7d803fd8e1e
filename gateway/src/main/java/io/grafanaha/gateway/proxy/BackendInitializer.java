package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The backend connection's pipeline. Its response decoder is strict too: a response with both
 * Content-Length and Transfer-Encoding, or duplicate lengths, becomes a decoder failure, and the
 * proxy answers 502 rather than guess where the response ends. Ordinary responses pass it as bytes
 * ({@link ResponseFramer}), which hands it everything it does not recognise as beyond doubt.
 */
final class BackendInitializer extends ChannelInitializer<SocketChannel> {
    static final String TLS = "tls";
    static final String IDLE = "idle";
    static final String CODEC = "codec";
    static final String ENCODER = "request-encoder";

    private final Duration idleTimeout;
    private final Backend backend;
    private final SslContext tls;

    /** {@code tls} null for an http backend. */
    BackendInitializer(Duration idleTimeout, Backend backend, SslContext tls) {
        this.idleTimeout = idleTimeout;
        this.backend = backend;
        this.tls = tls;
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
        BackendResponseDecoder responses = new BackendResponseDecoder(decoder);
        ResponseFramer framer = new ResponseFramer(responses);
        BackendBytes bytes = new BackendBytes();
        if (tls != null) {
            // The host given here is sent as SNI and is the name the certificate must carry.
            ch.pipeline().addLast(TLS, tls.newHandler(ch.alloc(), backend.host(), backend.port()));
        }
        ch.pipeline()
                // Reader-idle, not all-idle: the timeout only matters while the connection waits in the pool, where
                // nothing is written and the last read (the previous answer) is the last activity. An all-idle
                // handler would put a listener on every write to the backend, two for every request.
                .addLast(IDLE, new IdleStateHandler(idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast(BackendBytes.NAME, bytes)
                .addLast(ENCODER, new HttpRequestEncoder())
                .addLast(ResponseFramer.NAME, framer)
                .addLast(CODEC, responses)
                .addLast(BackendHandler.NAME, new BackendHandler(framer, bytes));
    }
}
