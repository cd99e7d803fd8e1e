package io.grafanaha.gateway.config;

import java.time.Duration;

/** When the primary gets traffic back after a failover. */
public record FailbackConfig(Mode mode, boolean requireSync, Duration hold) {
    public enum Mode { AUTO, MANUAL }
}
