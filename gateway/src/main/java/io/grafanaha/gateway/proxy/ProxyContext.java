package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.auth.AuthGate;
import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.health.OutcomeListener;
import io.grafanaha.health.Router;

/**
 * What every connection handler shares: settings, the router, the pools, meters, drain state, tunnels,
 * the exchanges waiting on each backend, the request observer and what its watches hold, the request ids, rate limits,
 * access log and build affinity, the sign-in gate, and the span export.
 */
record ProxyContext(
        ProxyConfig timeouts,
        String stickyCookie,
        RetryPolicy retries,
        Router router,
        OutcomeListener outcomes,
        BackendPool pool,
        ProxyMetrics metrics,
        Drain drain,
        Tunnels tunnels,
        Waiting waiting,
        RequestObserver observer,
        WatchBuffers watchBuffers,
        RequestIds requestIds,
        RateLimits rateLimits,
        AccessLog accessLog,
        BuildAffinity buildAffinity,
        AuthGate auth,
        Tracing tracing) {}
