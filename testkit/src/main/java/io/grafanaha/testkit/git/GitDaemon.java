package io.grafanaha.testkit.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real C {@code git daemon} serving {@code git://127.0.0.1:PORT/<name>.git} with push enabled, run as a child
 * process, for tests that want a peer other than JGit. It has no authentication.
 */
public final class GitDaemon implements AutoCloseable {

    private static final String GIT = Files.isExecutable(Path.of("/usr/bin/git")) ? "/usr/bin/git" : "git";
    private static final Duration STARTUP = Duration.ofSeconds(10);

    private final Path baseDir;
    private final Process process;
    private final int port;

    private GitDaemon(Path baseDir, Process process, int port) {
        this.baseDir = baseDir;
        this.process = process;
        this.port = port;
    }

    public static GitDaemon start(Path baseDir) {
        Path base = baseDir.toAbsolutePath();
        try {
            Files.createDirectories(base);
            // The free port may be taken between probe and bind by a parallel test; try a few times.
            IOException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                int port = freePort();
                Process process = new ProcessBuilder(GIT, "daemon", "--export-all", "--enable=receive-pack",
                        "--listen=127.0.0.1", "--port=" + port, "--base-path=" + base, "--reuseaddr", base.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(base.resolve("git-daemon-" + port + ".log").toFile())
                        .start();
                if (awaitListening(process, port)) {
                    return new GitDaemon(base, process, port);
                }
                stop(process);
                last = new IOException("git daemon did not listen on 127.0.0.1:" + port + ", see "
                        + base.resolve("git-daemon-" + port + ".log"));
            }
            throw last;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start git daemon for " + base, e);
        }
    }

    /** Like {@link GitServer#createRepository}, but created by {@code git init --bare --initial-branch=main}. */
    public RemoteRepo createRepository(String name, Path seedFolder, String pathInRepo) {
        RemoteRepo repo = repository(name);
        run(List.of(GIT, "init", "--quiet", "--bare", "--initial-branch=" + BareRepositories.MAIN,
                repo.bareDir().toString()));
        BareRepositories.seed(repo.bareDir(), seedFolder, pathInRepo);
        return repo;
    }

    public RemoteRepo repository(String name) {
        String dirName = name.endsWith(".git") ? name : name + ".git";
        return new RemoteRepo(name, "git://127.0.0.1:" + port + "/" + dirName, baseDir.resolve(dirName),
                Optional.empty());
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        stop(process);
    }

    private static void stop(Process process) {
        // git daemon forks one child per connection; stop those too so no process outlives the test.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static boolean awaitListening(Process process, int port) {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException notYet) {
                try {
                    process.waitFor(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }
}
