package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import java.util.function.BiConsumer;

/**
 * What every backend's answer gains on its way to the client, whether it goes as objects or as bytes: the affinity
 * cookies ({@link StickyCookie}, {@link BuildAffinity}) and the request's id, in place of any the backend set.
 */
final class AnswerStamp {
    private AnswerStamp() {}

    /** Adds the lines through {@code add}; the caller has removed the backend's own request id. */
    static void onto(BiConsumer<AsciiString, CharSequence> add, Attempt from, ProxyContext proxy, FrontendHandler frontend) {
        String backend = from.backend().name();
        if (from.setsCookie()) {
            add.accept(HttpHeaderNames.SET_COOKIE, StickyCookie.setCookie(proxy.stickyCookie(), backend));
        }
        String buildCookie = frontend.buildCookie(backend);
        if (buildCookie != null) {
            add.accept(HttpHeaderNames.SET_COOKIE, buildCookie);
        }
        add.accept(RequestIds.X_REQUEST_ID, frontend.requestId());
    }
}
