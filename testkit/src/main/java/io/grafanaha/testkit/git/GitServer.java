package io.grafanaha.testkit.git;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.DispatcherType;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.ReceivePack;

/**
 * A smart-HTTP Git host on 127.0.0.1: JGit's {@link GitServlet} on embedded Jetty, serving the bare repositories
 * under a base folder at {@code http://127.0.0.1:PORT/git/<name>.git}. Clone, fetch and anonymous push work with
 * JGit and the git CLI; optionally it demands a token, can be switched off, and counts pushes.
 */
public final class GitServer implements AutoCloseable {

    private final Path baseDir;
    private final Optional<String> token;
    private final AtomicBoolean unavailable = new AtomicBoolean();
    private final Map<String, AtomicInteger> pushesByRepo = new ConcurrentHashMap<>();
    private final Server jetty;
    private final int port;

    private GitServer(Path baseDir, Optional<String> token) throws Exception {
        this.baseDir = baseDir.toAbsolutePath();
        this.token = token;
        Files.createDirectories(this.baseDir);
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("git-server");
        jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder("git", gitServlet()), "/git/*");
        context.addFilter(new FilterHolder(new GitAccessFilter(token, unavailable)), "/*",
                EnumSet.of(DispatcherType.REQUEST));
        jetty.setHandler(context);
        jetty.start();
        port = connector.getLocalPort();
    }

    /** Starts an anonymous server (anyone may clone and push). */
    public static GitServer start(Path baseDir) {
        return start(baseDir, Optional.empty());
    }

    /** Starts a server that wants HTTP basic auth with any user name and {@code token} as password. */
    public static GitServer startWithToken(Path baseDir, String token) {
        return start(baseDir, Optional.of(token));
    }

    private static GitServer start(Path baseDir, Optional<String> token) {
        try {
            return new GitServer(baseDir, token);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Git server for " + baseDir, e);
        }
    }

    private GitServlet gitServlet() {
        GitServlet servlet = new GitServlet();
        servlet.setRepositoryResolver((req, name) -> {
            Path dir = repositoryDir(name);
            if (!Files.isDirectory(dir)) {
                throw new RepositoryNotFoundException(name);
            }
            try {
                // The servlet closes the repository after each request, so open a fresh one every time.
                return BareRepositories.open(dir);
            } catch (IOException e) {
                throw new RepositoryNotFoundException(name, e);
            }
        });
        // JGit's default factory refuses push without an authenticated user; the access filter does auth here.
        servlet.setReceivePackFactory((req, repo) -> {
            ReceivePack receivePack = new ReceivePack(repo);
            String name = repo.getDirectory().getName();
            receivePack.setPostReceiveHook((rp, commands) ->
                    pushesByRepo.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet());
            return receivePack;
        });
        return servlet;
    }

    private Path repositoryDir(String name) throws RepositoryNotFoundException {
        Path dir = baseDir.resolve(name).normalize();
        if (!dir.startsWith(baseDir) || dir.equals(baseDir)) {
            throw new RepositoryNotFoundException(name);
        }
        return dir;
    }

    /**
     * Creates bare repository {@code <name>.git} with {@code main} as HEAD and one commit holding the files of
     * {@code seedFolder} (may be null for an empty tree) under {@code pathInRepo} (e.g. {@code "shared/"}).
     */
    public RemoteRepo createRepository(String name, Path seedFolder, String pathInRepo) {
        RemoteRepo repo = repository(name);
        if (Files.exists(repo.bareDir())) {
            throw new IllegalArgumentException("repository " + name + " already exists in " + baseDir);
        }
        BareRepositories.create(repo.bareDir());
        BareRepositories.seed(repo.bareDir(), seedFolder, pathInRepo);
        return repo;
    }

    /** Creates bare repository {@code <name>.git} with {@code main} as HEAD and no commits at all. */
    public RemoteRepo createEmptyRepository(String name) {
        RemoteRepo repo = repository(name);
        BareRepositories.create(repo.bareDir());
        return repo;
    }

    /** The handle for an existing (or future) repository {@code <name>.git}. */
    public RemoteRepo repository(String name) {
        String dirName = name.endsWith(".git") ? name : name + ".git";
        return new RemoteRepo(name, baseUri() + "git/" + dirName, baseDir.resolve(dirName), token);
    }

    /** {@code http://127.0.0.1:PORT/}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    public int port() {
        return port;
    }

    public Optional<String> token() {
        return token;
    }

    /** While true every request gets 503, as when the Git host is down for maintenance. */
    public GitServer unavailable(boolean down) {
        unavailable.set(down);
        return this;
    }

    /** Pushes accepted by all repositories since start. */
    public int pushCount() {
        return pushesByRepo.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Pushes accepted by repository {@code <name>.git}. */
    public int pushCount(String name) {
        String dirName = name.endsWith(".git") ? name : name + ".git";
        AtomicInteger count = pushesByRepo.get(dirName);
        return count == null ? 0 : count.get();
    }

    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop Git server on port " + port, e);
        }
    }
}
