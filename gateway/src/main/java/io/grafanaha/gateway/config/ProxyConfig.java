package io.grafanaha.gateway.config;

import java.time.Duration;

/**
 * Data-plane timeouts. {@code responseTimeout} bounds the wait for a backend's response headers (504
 * after it); {@code idleTimeout} closes keep-alive connections with no traffic; WebSocket tunnels have
 * their own, longer, idle timeout; {@code shutdownGrace} is how long in-flight requests may finish on SIGTERM.
 */
public record ProxyConfig(
        Duration connectTimeout,
        Duration responseTimeout,
        Duration idleTimeout,
        Duration websocketIdleTimeout,
        Duration shutdownGrace) {}
