package io.grafanaha.gateway.proxy;

import io.netty.handler.codec.http.HttpContent;

/**
 * Where the frontend hands the request it is serving: an {@link Exchange} with a backend, or a
 * {@link LocalExchange} the gateway answers itself. The frontend only asks whether to read and where
 * the next body chunk goes; everything else is the sink's business.
 */
interface RequestSink {
    boolean canWriteRequestBody();

    void writeRequestBody(HttpContent content);

    /** One flush for everything handed over in one pass of the frontend. */
    void flushBackend();

    /** Whether the frontend should read from the client now. */
    boolean wantsClientRead();

    /** The whole request has been handed over. */
    boolean requestDone();

    void requestFramingFailed(Rejection rejection);

    void clientClosed();
}
