package io.grafanaha.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;

/**
 * Where a backend's ordinary answer goes to the client as the backend's bytes ({@link ResponseFramer}): the handler
 * named {@value #NAME} in the client's pipeline. On an HTTP/1.1 connection that is {@link Http1ClientBytes}, below the
 * response encoder; on an HTTP/2 stream it is {@link StreamClient}, which takes the bytes apart into frames.
 * Either notes what passes for the access log (the status and the body bytes).
 */
interface ClientBytes {
    String NAME = "client-bytes";

    /** The answer's head, as the bytes {@link RawResponseHead} ended for this client. */
    ChannelFuture writeHead(int status, ByteBuf head);

    /** The next part of the answer's body, its framing included. */
    ChannelFuture writeBody(RawResponseBody body);
}
