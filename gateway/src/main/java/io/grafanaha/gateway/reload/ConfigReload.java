package io.grafanaha.gateway.reload;

import io.grafanaha.gateway.config.ConfigDiff;
import io.grafanaha.gateway.config.ConfigException;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.config.ConfigProblem;
import io.grafanaha.gateway.config.ConfigWarnings;
import io.grafanaha.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the file {@code run} was started with again, validates it with the same {@link ConfigLoader} as
 * {@code check} (same problems, same key paths and lines), and applies the difference ({@link ConfigDiff}) through
 * the registered {@link LiveChange}s. An invalid file changes nothing. One reload at a time: the admin API and
 * SIGHUP may ask together, and the second one then compares against what the first applied.
 */
public final class ConfigReload {
    private static final Logger log = LoggerFactory.getLogger(ConfigReload.class);
    public static final List<String> RESULTS = List.of("ok", "invalid", "partial");

    private final Path file;
    private final ConfigLoader loader;
    private final Clock clock;
    private final RunningConfig running;
    /** Entries with discovery expanded to the backends their names resolve to; identity without any. */
    private final UnaryOperator<GatewayConfig> expand;
    private final Map<String, Counter> reloads = new LinkedHashMap<>();
    private final List<Consumer<ReloadResult>> listeners = new CopyOnWriteArrayList<>();
    /** The last valid file as written (entries with discovery not expanded). */
    private volatile GatewayConfig template;
    private volatile LoadedFile loaded;
    private volatile ReloadResult last;

    /**
     * @param template the configuration as loaded from {@code file} at start
     * @param expand   what turns a file's backend entries into backends ({@code DnsDiscovery#expand})
     */
    public ConfigReload(Path file, GatewayConfig template, ConfigLoader loader, RunningConfig running,
            UnaryOperator<GatewayConfig> expand, Clock clock, MeterRegistry registry) {
        this.file = file;
        this.template = template;
        this.running = running;
        this.expand = expand;
        this.loader = loader;
        this.clock = clock;
        reloads.putAll(counters(registry));
        String sha;
        try {
            sha = sha256(Files.readAllBytes(file));
        } catch (IOException e) {
            sha = "";
        }
        this.loaded = new LoadedFile(file, sha, clock.instant());
    }

    /**
     * {@code gateway_config_reloads_total{result}}, each at 0 until its first reload; a gateway started without a
     * file (the demo) registers them too, so dashboards and alerts see the same series everywhere.
     */
    public static Map<String, Counter> counters(MeterRegistry registry) {
        Map<String, Counter> out = new LinkedHashMap<>();
        for (String result : RESULTS) {
            out.put(result, Counter.builder("gateway_config_reloads").tag("result", result)
                    .description("configuration reloads by result: ok, partial (some keys need a restart), invalid (nothing changed)")
                    .register(registry));
        }
        return out;
    }

    /** {@code listener} hears every reload's result, after it was applied (the gateway's activity timeline). */
    public void addListener(Consumer<ReloadResult> listener) {
        listeners.add(listener);
    }

    /** Reads, validates and applies the file; {@code trigger} says who asked, for the log and the status. */
    public synchronized ReloadResult reload(String trigger) {
        var now = clock.instant();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return finish(new ReloadResult.Invalid(now, trigger, file.toString(), List.of(new ConfigProblem("", 0, "no such file"))));
        } catch (IOException e) {
            return finish(new ReloadResult.Invalid(now, trigger, file.toString(),
                    List.of(new ConfigProblem("", 0, "cannot read the file: " + e.getMessage()))));
        }
        GatewayConfig next;
        try {
            next = loader.parse(new String(bytes, StandardCharsets.UTF_8), file.toString());
        } catch (ConfigException e) {
            return finish(new ReloadResult.Invalid(now, trigger, file.toString(), e.problems()));
        }
        ConfigWarnings.of(next).forEach(warning -> log.warn("{}: {}", file, warning));
        template = next;
        ConfigDiff diff = running.apply(expand.apply(next), "configuration reload");
        String sha = sha256(bytes);
        loaded = new LoadedFile(file, sha, now);
        return finish(new ReloadResult.Applied(now, trigger, diff.describeApplied(), diff.restartNeeded(), sha));
    }

    private ReloadResult finish(ReloadResult result) {
        last = result;
        reloads.get(result.result()).increment();
        if (result instanceof ReloadResult.Invalid) {
            log.warn("configuration reload ({}) refused: {}", result.trigger(), result.message());
        } else {
            log.info("configuration reloaded ({}): {}", result.trigger(), result.message());
        }
        for (Consumer<ReloadResult> listener : listeners) {
            try {
                listener.accept(result);
            } catch (RuntimeException e) {
                log.error("reload listener failed", e);
            }
        }
        return result;
    }

    /** The file running now. */
    public LoadedFile loaded() {
        return loaded;
    }

    /** The last reload's result, if there was one since start. */
    public Optional<ReloadResult> last() {
        return Optional.ofNullable(last);
    }

    /** The last valid file as written: what DNS discovery expands. */
    public GatewayConfig template() {
        return template;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
