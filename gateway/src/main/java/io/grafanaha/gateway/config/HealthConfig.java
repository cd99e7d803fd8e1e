package io.grafanaha.gateway.config;

import java.time.Duration;

/** Active checks: {@code rise} passes make a backend up, {@code fall} failures make it down. */
public record HealthConfig(String path, Duration interval, Duration timeout, int rise, int fall) {}
