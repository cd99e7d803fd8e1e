package io.grafanaha.gateway.cli;

import io.grafanaha.gateway.config.ConfigException;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.config.ConfigPrinter;
import io.grafanaha.gateway.config.ConfigWarnings;
import io.grafanaha.gateway.config.GatewayConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Validates a configuration: exit 0 and the effective settings, or exit 2 and every problem. A valid file that
 * cannot work as written also gets {@code warning:} lines on stderr (printed with {@code --quiet} too), still exit 0.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a configuration file; print the effective settings (secrets hidden) or every problem with its key and line.")
final class CheckCommand implements Callable<Integer> {
    static final int INVALID = 2;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
    Path config;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing when the file is valid.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            GatewayConfig cfg = ConfigLoader.fromEnvironment().load(config);
            for (String warning : ConfigWarnings.of(cfg)) {
                err.println("warning: " + warning);
            }
            err.flush();
            if (!quiet) {
                out.println(config + ": valid");
                out.print(ConfigPrinter.print(cfg));
            }
            out.flush();
            return 0;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            err.flush();
            return INVALID;
        }
    }
}
