package io.grafanaha.gateway.cli;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.config.ConfigException;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.config.ConfigWarnings;
import io.grafanaha.gateway.config.GatewayConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Serves until SIGTERM or SIGINT, then shuts down gracefully; SIGHUP (or {@code POST /api/reload}) reloads the file. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Serve users on listen and the ops surface on admin.listen.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
    Path config;

    @CommandLine.Mixin
    LogFormatOption logFormat;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        logFormat.apply();
        GatewayConfig cfg;
        try {
            cfg = ConfigLoader.fromEnvironment().load(config);
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return CheckCommand.INVALID;
        }
        ConfigWarnings.of(cfg).forEach(warning -> log.warn("{}: {}", config, warning));
        Listeners listeners = Listeners.of("listen", cfg.listen(), "admin.listen", cfg.admin().listen());
        ConfigLoader loader = ConfigLoader.fromEnvironment();
        return serve(spec.commandLine().getErr(), listeners, () -> {
            Gateway gateway = Gateway.create(config, cfg, loader).start();
            HangupReload.install(gateway);
            return gateway;
        });
    }

    /**
     * Starts what {@code starter} builds and blocks until the JVM is asked to stop. A start that fails prints one
     * line on {@code err} (for a taken address, which one) and returns 1.
     */
    static int serve(PrintWriter err, Listeners listeners, Supplier<? extends AutoCloseable> starter) throws InterruptedException {
        AutoCloseable running;
        try {
            running = starter.get();
        } catch (Exception e) {
            // Exception, not RuntimeException: Netty rethrows the checked BindException undeclared.
            err.println("cannot start: " + listeners.explain(e).orElse(String.valueOf(e.getMessage())));
            err.flush();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (Exception e) {
                System.err.println("error while stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, "shutdown"));
        stopped.await();
        return 0;
    }
}
