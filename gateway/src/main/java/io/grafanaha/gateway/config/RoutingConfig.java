package io.grafanaha.gateway.config;

/**
 * Retries and affinity. {@code stickyCookie} is empty when there is no affinity; {@code lastResort}
 * sends traffic to the last backend known good when every backend is down, instead of answering 503.
 */
public record RoutingConfig(int retries, String stickyCookie, boolean lastResort) {}
