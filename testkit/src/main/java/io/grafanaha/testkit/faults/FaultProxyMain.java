package io.grafanaha.testkit.faults;

/** Runs the fault proxy on its own: {@code java ... FaultProxyMain [--port 8474]}. */
public final class FaultProxyMain {

    private FaultProxyMain() {
    }

    public static void main(String[] args) {
        int port = 8474;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port") && i + 1 < args.length) {
                port = Integer.parseInt(args[++i]);
            } else if (args[i].startsWith("--port=")) {
                port = Integer.parseInt(args[i].substring("--port=".length()));
            } else {
                System.err.println("usage: FaultProxyMain [--port N]   (unknown argument " + args[i] + ")");
                System.exit(2);
            }
        }
        FaultProxyServer server = FaultProxyServer.start(port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "fault-proxy-shutdown"));
        System.out.println("fault proxy (Toxiproxy API " + FaultProxyServer.VERSION + ") on 127.0.0.1:" + server.port());
        server.awaitClosed();
    }
}
