package io.grafanaha.gateway.cli;

import io.grafanaha.gateway.demo.Demo;
import java.util.concurrent.Callable;
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

    @Option(names = "--log-format", defaultValue = "${env:GATEWAY_LOG_FORMAT:-text}", paramLabel = "FORMAT",
            description = "Log lines on standard error: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; environment GATEWAY_LOG_FORMAT).")
    LogFormat logFormat;

    @Override
    public Integer call() throws InterruptedException {
        logFormat.apply();
        return RunCommand.serve(() -> {
            Demo demo = Demo.start(port, adminPort);
            System.out.println(demo.instructions());
            return demo;
        });
    }
}
