package io.grafanaha.gateway.proxy;

/**
 * When the backend a request waits on is held down by the health checks and no other could take it: whether that is
 * so, how long such a backend may still take, and how the client is told.
 */
final class LastResort {
    private LastResort() {}

    /** Every backend the router would still use is held down by the health checks (or none is left). */
    static boolean noBackendCanServe(ProxyContext proxy) {
        return proxy.router().routable().stream().allMatch(b -> proxy.waiting().isDown(b.name()));
    }

    /** {@code routing.try-timeout} when set, else {@code proxy.connect-timeout}: how long a backend held down may take. */
    static long boundMillis(ProxyContext proxy) {
        long tryTimeout = proxy.retries().tryTimeoutMillis();
        return tryTimeout > 0 ? tryTimeout : proxy.timeouts().connectTimeout().toMillis();
    }

    static String message(String backend, String why) {
        return "no Grafana backend can serve: " + backend + " is down and " + why;
    }
}
