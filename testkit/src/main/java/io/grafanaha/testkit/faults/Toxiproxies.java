package io.grafanaha.testkit.faults;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import eu.rekawek.toxiproxy.ToxiproxyClient;

/**
 * A Toxiproxy for a test: the real {@code toxiproxy-server} when one is on the PATH, else our
 * {@link FaultProxyServer}. Either way the test talks to it only through {@link #client()}.
 */
public final class Toxiproxies implements AutoCloseable {

    private static final String EXECUTABLE = "toxiproxy-server";
    private static final long STARTUP_MILLIS = 10_000;

    private final ToxiproxyClient client;
    private final String host;
    private final int port;
    private final AutoCloseable server;
    private final boolean real;

    private Toxiproxies(String host, int port, AutoCloseable server, boolean real) {
        this.client = new ToxiproxyClient(host, port);
        this.host = host;
        this.port = port;
        this.server = server;
        this.real = real;
    }

    /** Starts the real server if {@code toxiproxy-server} is on the PATH, our fault proxy otherwise. */
    public static Toxiproxies connect() {
        return findOnPath(EXECUTABLE).map(Toxiproxies::startReal).orElseGet(Toxiproxies::startBuiltIn);
    }

    /** Always uses our fault proxy, e.g. for a test that relies on its exact timing. */
    public static Toxiproxies startBuiltIn() {
        FaultProxyServer server = FaultProxyServer.start();
        return new Toxiproxies(server.host(), server.port(), server, false);
    }

    public ToxiproxyClient client() {
        return client;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** True when a real {@code toxiproxy-server} answers, false for our imitation. */
    public boolean isRealToxiproxy() {
        return real;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the Toxiproxy on " + host + ":" + port, e);
        }
    }

    private static Toxiproxies startReal(Path executable) {
        try {
            int port = freePort();
            Process process = new ProcessBuilder(executable.toString(), "-host", "127.0.0.1", "-port",
                    String.valueOf(port))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            AutoCloseable stop = () -> {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            };
            Toxiproxies toxiproxies = new Toxiproxies("127.0.0.1", port, stop, true);
            toxiproxies.awaitUp(process);
            return toxiproxies;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
    }

    private void awaitUp(Process process) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_MILLIS);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                client.version();
                return;
            } catch (IOException notYet) {
                try {
                    process.waitFor(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        close();
        throw new IllegalStateException(EXECUTABLE + " did not answer on " + host + ":" + port);
    }

    private static Optional<Path> findOnPath(String name) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
