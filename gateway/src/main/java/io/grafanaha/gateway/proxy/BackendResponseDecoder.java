package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

/**
 * The backend's strict response decoder, told the method of the request being answered (a backend connection carries
 * one request at a time), because an answer to HEAD has no body whatever its headers say. Netty's client codec learns
 * the method from its encoder's queue, which only works if this decoder sees every response; {@link ResponseFramer}
 * takes ordinary ones past it.
 */
final class BackendResponseDecoder extends HttpResponseDecoder {
    private boolean headRequest;

    BackendResponseDecoder(HttpDecoderConfig config) {
        super(config);
    }

    void expect(HttpMethod method) {
        headRequest = HttpMethod.HEAD.equals(method);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        int code = ((HttpResponse) msg).status().code();
        return code == 100 || (code >= 200 && headRequest) || super.isContentAlwaysEmpty(msg);
    }
}
