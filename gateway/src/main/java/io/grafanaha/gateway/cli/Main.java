package io.grafanaha.gateway.cli;

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

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
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
