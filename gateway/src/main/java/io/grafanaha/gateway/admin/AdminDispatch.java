package io.grafanaha.gateway.admin;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each whole admin request to its route's handler, on the admin handler thread. A request with a
 * broken head gets 400, one without a route 404, one whose handler throws or forgets to answer 500.
 */
@ChannelHandler.Sharable
final class AdminDispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminDispatch.class);
    private static final String JSON = "application/json";

    private final Function<String, AdminHandler> routes;

    AdminDispatch(Function<String, AdminHandler> routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            new AdminExchange(ctx, request, false).send(400, JSON, "{\"message\":\"bad request\"}");
            return;
        }
        AdminExchange exchange = new AdminExchange(ctx, request, HttpUtil.isKeepAlive(request));
        AdminHandler handler = routes.apply(exchange.path());
        if (handler == null) {
            exchange.send(404, JSON, "{\"message\":\"not found\"}");
            return;
        }
        try {
            handler.handle(exchange);
        } catch (Exception e) {
            log.warn("admin {} {} failed: {}", exchange.method(), exchange.path(), e.toString());
        }
        if (!exchange.sent()) {
            exchange.send(500, JSON, "{\"message\":\"the admin request failed\"}");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
