package io.grafanaha.gateway.admin;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The registry behind {@code /metrics}, with the two Micrometer system meters whose names
 * {@code promtool check metrics} rejects put right before anything registers: {@code process.cpu.time}
 * (nanoseconds, exported as {@code process_cpu_time_ns_total}; {@code process_cpu_usage} stays) is
 * dropped, and {@code system.cpu.count} (a gauge that would end in {@code _count}, the suffix of a
 * histogram's series) is exported as {@code system_cpu_cores}.
 */
public final class PrometheusRegistry {
    private PrometheusRegistry() {}

    public static PrometheusMeterRegistry create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config()
                .meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.cores") : id;
                    }
                });
        return registry;
    }
}
