package io.grafanaha.testkit.grafana;

import java.util.concurrent.CountDownLatch;

/**
 * Runs one emulator until the process is killed:
 * {@code java ... GrafanaEmulatorMain --port 3000 --token glsa_x --name grafana-a [--auth-proxy 127.0.0.1]}.
 * {@code --auth-proxy} turns Grafana's auth proxy on with its usual headers ({@code X-WEBAUTH-USER}, email, name,
 * role, groups; auto sign-up) for the comma-separated whitelist given (the gateway's addresses), as the failover
 * bench's signed-in users need.
 */
public final class GrafanaEmulatorMain {
    private GrafanaEmulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmulatorOptions options = GrafanaEmulator.options().port(3000);
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--port" -> options = options.port(parsePort(value));
                case "--token" -> options = options.token(value);
                case "--name" -> options = options.name(value);
                case "--auth-proxy" -> options = options.authProxy(AuthProxyOptions.enabledWithDefaultHeaders()
                        .whitelist(value.split(",")));
                default -> usage("unknown option " + flag);
            }
        }
        GrafanaEmulator emulator = GrafanaEmulator.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            stopped.countDown();
        }, "grafana-emulator-shutdown"));
        System.out.println("Grafana emulator " + options.name() + " listening on " + emulator.url());
        stopped.await();
    }

    private static int parsePort(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            usage("--port wants a number, got " + value);
            return -1;
        }
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: GrafanaEmulatorMain [--port N (default 3000)] [--token T] [--name N]"
                + " [--auth-proxy WHITELIST (comma-separated addresses or CIDRs)]");
        System.exit(2);
    }
}
