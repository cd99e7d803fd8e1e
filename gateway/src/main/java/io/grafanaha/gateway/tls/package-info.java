/**
 * TLS for the public listener ({@link io.grafanaha.gateway.tls.ServerTls}: the certificate in use, reloaded when its
 * files change) and toward https backends ({@link io.grafanaha.gateway.tls.BackendTls}: whom to trust). The
 * pipelines that use them are the proxy's; the PEM files are read by {@code config.PemPair}, so {@code check} and a
 * reload refuse a pair for the same reasons.
 */
package io.grafanaha.gateway.tls;
