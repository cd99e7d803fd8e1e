/**
 * The data plane: a streaming HTTP/1.1 reverse proxy on Netty. {@link io.grafanaha.gateway.proxy.ProxyServer}
 * is the entry point; the pipeline per client connection reads top to bottom as idle timeout, strict
 * request decoder, method-aware response encoder, {@code FrontendHandler}; each request becomes an
 * {@code Exchange} (the client's side of it), whose each try at a backend is an {@code Attempt} on a pooled
 * backend channel of the same event loop, or a {@code LocalExchange} when a
 * {@link io.grafanaha.gateway.proxy.LocalRoutes} route claims it. Everything about one request runs on its
 * client connection's event loop.
 *
 * <p>Responses as bytes: a backend connection's {@code ResponseFramer} reads each response head in place; an ordinary
 * one (HTTP/1.1, a final status, a length, chunks or no body, nothing doubtful) reaches an HTTP/1.1 client as the
 * backend's own header lines, hop-by-hop ones removed and the gateway's added, then its body bytes unchanged, written
 * below the response encoder ({@code Http1ClientBytes}); on an HTTP/2 stream the same bytes become HEADERS and DATA
 * frames ({@code StreamClient}). Everything else (interim and doubtful heads, bodies that end with the connection,
 * upgrades, watched requests) takes the strict object decoder and encoder as before.
 *
 * <p>Retries: an exchange that fails before anything reached the client may try another backend
 * ({@code routing.retries} times at most; {@code RetryPolicy.decide} is the whole decision). Connect
 * failures qualify for every method; 502/503/504 from
 * the backend, a response timeout or a reset qualify only for GET, HEAD and OPTIONS whose body (at most
 * 64 KiB) was kept whole. A shared budget (20% of requests over 10 s, at least 3 per second) caps them,
 * and a 5-50 ms jittered pause separates attempts. Metrics: {@code gateway_retries_total{backend,cause}},
 * {@code gateway_retries_skipped_total{reason}}.
 *
 * <p>Affinity: in load-balance mode with {@code routing.sticky-cookie}, responses carry a session cookie
 * naming the backend that served whenever the request's cookie did not name it; the cookie itself is
 * removed before the request reaches Grafana.
 *
 * <p>Watched requests: with a {@link io.grafanaha.gateway.proxy.RequestObserver} (the gateway's is the edit
 * capture, {@code io.grafanaha.gateway.capture}, which watches Grafana's writes), a watched request's body
 * is gathered whole ({@code EditWatch}, up to 10 MiB) before a backend is contacted, so the observer can
 * answer it itself (the 412 guard); otherwise the same body chunks stream on unchanged. Its final response
 * (up to 1 MiB) is held from the client until the observer's release gate opens (at most
 * {@code proxy.response-timeout}). The proxy itself knows nothing of Grafana's API. Metrics:
 * {@code gateway_edits_observed_total{kind}}, {@code gateway_edits_rejected_total},
 * {@code gateway_edits_unobserved_total}.
 */
package io.grafanaha.gateway.proxy;
