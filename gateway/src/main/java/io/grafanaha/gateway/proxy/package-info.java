/**
 * The data plane: a streaming HTTP/1.1 reverse proxy on Netty. {@link io.grafanaha.gateway.proxy.ProxyServer}
 * is the entry point; the pipeline per client connection reads top to bottom as idle timeout, strict
 * request decoder, method-aware response encoder, {@code FrontendHandler}; each request becomes an
 * {@code Exchange} bound to a pooled backend channel on the same event loop.
 */
package io.grafanaha.gateway.proxy;
