package io.grafanaha.gateway.cli;

import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The program: {@code java -jar grafana-ha-gateway.jar <command>}. */
@Command(
        name = "grafana-ha-gateway",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A front door for highly available Grafana: reverse proxy, failover, and Git sync.",
        subcommands = {RunCommand.class, CheckCommand.class, SyncCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Netty's setting for its buffer leak reports, as on its own command line. */
    static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        quietLeakDetection();
        System.exit(commandLine().execute(args));
    }

    /**
     * Netty by default tracks one buffer in 128 for leak reports, taking a stack trace for each: 1 to 2 % of the
     * proxy's CPU per request (bench/README, "Leak detection"). The test suite keeps Netty's default, and that is where
     * leaks are found; a running gateway does without, unless {@code -Dio.netty.leakDetection.level} asks for it.
     */
    static void quietLeakDetection() {
        if (System.getProperty(LEAK_DETECTION) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /** The command line with its exit codes: 2 for a usage or configuration error, as picocli does. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
