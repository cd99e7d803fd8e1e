package io.grafanaha.gateway.proxy;

import io.grafanaha.gateway.config.ProxyConfig;
import io.grafanaha.health.OutcomeListener;
import io.grafanaha.health.Router;

/** What every connection handler shares: settings, the router, the pools, meters and drain state. */
record ProxyContext(
        ProxyConfig timeouts,
        String stickyCookie,
        Router router,
        OutcomeListener outcomes,
        BackendPool pool,
        ProxyMetrics metrics,
        Drain drain) {}
