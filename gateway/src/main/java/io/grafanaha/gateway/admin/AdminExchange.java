package io.grafanaha.gateway.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * One admin request, read whole (the listener caps its size), and its answer. A response to HEAD carries
 * the headers and length of the GET answer without its body.
 */
public final class AdminExchange {
    private final ChannelHandlerContext ctx;
    private final String method;
    private final String path;
    private final String rawQuery;
    private final HttpHeaders requestHeaders;
    private final byte[] body;
    private final boolean keepAlive;
    private final HttpHeaders responseHeaders = new io.netty.handler.codec.http.DefaultHttpHeaders();
    private boolean sent;

    AdminExchange(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        this.ctx = ctx;
        this.method = request.method().name();
        QueryStringDecoder target = new QueryStringDecoder(request.uri());
        this.path = target.path();
        this.rawQuery = target.rawQuery().isEmpty() ? null : target.rawQuery();
        this.requestHeaders = request.headers().copy();
        this.body = new byte[request.content().readableBytes()];
        request.content().getBytes(request.content().readerIndex(), body);
        this.keepAlive = keepAlive;
    }

    public String method() {
        return method;
    }

    /** The path of the request target, percent-decoded, without the query. */
    public String path() {
        return path;
    }

    /** The query after '?', still percent-encoded, or null when there is none. */
    public String rawQuery() {
        return rawQuery;
    }

    /** The first value of a request header, or null. */
    public String header(String name) {
        return requestHeaders.get(name);
    }

    public byte[] body() {
        return body.clone();
    }

    public SocketAddress remoteAddress() {
        return ctx.channel().remoteAddress();
    }

    /** Sets a response header; before {@link #send}. */
    public AdminExchange responseHeader(String name, String value) {
        responseHeaders.set(name, value);
        return this;
    }

    public void send(int status, String contentType, String body) {
        send(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends the answer; only once per exchange. */
    public void send(int status, String contentType, byte[] bytes) {
        if (sent) {
            throw new IllegalStateException("the answer was already sent");
        }
        sent = true;
        boolean head = method.equals("HEAD");
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        response.headers().set(responseHeaders);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    boolean sent() {
        return sent;
    }
}
