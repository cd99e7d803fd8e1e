package io.grafanaha.gateway.cli;

import io.grafanaha.gateway.config.HostPort;
import io.grafanaha.gateway.demo.Demo;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The embedded default: everything on loopback, nothing to configure. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start two emulated Grafanas and the gateway in front of them, on loopback.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8080", description = "Front door port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--admin-port", defaultValue = "9090", description = "Ops port (default: ${DEFAULT-VALUE}).")
    int adminPort;

    @CommandLine.Mixin
    LogFormatOption logFormat;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        logFormat.apply();
        Listeners listeners = Listeners.of("--port", new HostPort("127.0.0.1", port), "--admin-port", new HostPort("127.0.0.1", adminPort));
        return RunCommand.serve(spec.commandLine().getErr(), listeners, () -> {
            Demo demo = Demo.start(port, adminPort);
            spec.commandLine().getOut().println(demo.instructions());
            spec.commandLine().getOut().flush();
            return demo;
        });
    }
}
