package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An in-process Grafana HTTP API on 127.0.0.1 for tests, benchmarks and the demo. Every instance has
 * its own data (ids, versions, sessions unless shared), like a Grafana with its own database.
 *
 * <pre>{@code
 * try (GrafanaEmulator g = GrafanaEmulator.start(GrafanaEmulator.options().token("glsa_x").name("grafana-a"))) {
 *     HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(g.url() + "/api/health")).build(), ofString());
 * }
 * }</pre>
 *
 * All controls and accessors are thread-safe.
 *
 * <p>Over 350 lines on purpose: it is the test kit's one public face, so each resource's direct store access
 * (dashboards, folders, library panels) is a few lines here; the next cut would move those accessors into one small
 * public class per resource, reached from here.
 */
public final class GrafanaEmulator implements AutoCloseable {
    /**
     * Set on every HTTP response (not Grafana's own): the {@link EmulatorOptions#name()} of the instance
     * that answered, so a test or benchmark talking through a proxy can tell the instances apart.
     */
    public static final String NAME_HEADER = "X-Grafana-Emulator";

    private static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

    private final EmulatorOptions options;
    private final GrafanaStore store = new GrafanaStore();
    private final Controls controls = new Controls();
    private final RequestStats stats = new RequestStats();
    private final SessionRegistry sessions;
    private final Users users;
    private final GrafanaApp app;
    private final DashboardSaver saver;
    private final LibraryElementApi library;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Object lifecycle = new Object();
    private volatile Channel listener;
    private volatile int port;
    /** Holds the port between {@link #stop()} and {@link #restart()}; see {@link PortHold}. */
    private PortHold portHold;
    private volatile boolean closed;

    private GrafanaEmulator(EmulatorOptions options) {
        this.options = options;
        this.sessions = options.sessions() != null ? options.sessions() : new SessionRegistry();
        this.users = new Users(options.adminUser());
        this.app = new GrafanaApp(options, store, controls, sessions, users);
        this.saver = new DashboardSaver(store, options.clock());
        this.library = new LibraryElementApi(store, options.clock());
        this.bossGroup = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("grafana-emulator-" + options.name() + "-accept", true), NioIoHandler.newFactory());
        this.workerGroup = new MultiThreadIoEventLoopGroup(2,
                new DefaultThreadFactory("grafana-emulator-" + options.name(), true), NioIoHandler.newFactory());
    }

    /** Defaults: ephemeral port, name "grafana", a fixed glsa_ token, admin:admin, service account "sa-gateway". */
    public static EmulatorOptions options() {
        return EmulatorOptions.defaults();
    }

    /** Binds 127.0.0.1 and starts serving; the returned instance is ready for requests. */
    public static GrafanaEmulator start(EmulatorOptions options) {
        GrafanaEmulator emulator = new GrafanaEmulator(options);
        try {
            emulator.bind(options.port());
        } catch (RuntimeException e) {
            emulator.close();
            throw e;
        }
        return emulator;
    }

    public static GrafanaEmulator start() {
        return start(options());
    }

    private void bind(int wanted) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (listener == null) {
                            // accepted just before stop() closed the listener: must not outlive it
                            ch.close();
                            return;
                        }
                        connections.add(ch);
                        ch.pipeline().addLast("http", new HttpServerCodec());
                        ch.pipeline().addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES));
                        ch.pipeline().addLast("grafana", new EmulatorHttpHandler(app, controls, stats, options.name()));
                    }
                });
        try {
            Channel channel = bootstrap.bind(new InetSocketAddress("127.0.0.1", wanted)).sync().channel();
            listener = channel;
            port = ((InetSocketAddress) channel.localAddress()).getPort();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding Grafana emulator " + options.name(), e);
        } catch (Exception e) {
            throw new IllegalStateException("Grafana emulator " + options.name() + " cannot bind 127.0.0.1:" + wanted, e);
        }
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:PORT}, no trailing slash. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public String name() {
        return options.name();
    }

    /** The service-account token this instance accepts as {@code Authorization: Bearer}. */
    public String token() {
        return options.token();
    }

    public EmulatorOptions configuration() {
        return options;
    }

    // ---- lifecycle controls -------------------------------------------------------------------

    /**
     * Closes the listener and resets every open connection (SO_LINGER 0), so clients see a reset on
     * open connections and "connection refused" on new ones. Data is kept for {@link #restart()}.
     */
    public void stop() {
        synchronized (lifecycle) {
            Channel current = listener;
            listener = null;
            if (current != null) {
                current.close().syncUninterruptibly();
            }
            for (Channel ch : connections) {
                try {
                    ch.config().setOption(ChannelOption.SO_LINGER, 0);
                } catch (RuntimeException e) {
                    // already closing; a FIN instead of a RST is fine then
                }
            }
            connections.close().syncUninterruptibly();
            if (current != null) {
                portHold = PortHold.bind(port);
            }
        }
    }

    /** Stops (if running) and listens again on the same port with the same data. */
    public void restart() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("Grafana emulator " + options.name() + " is closed");
            }
            stop();
            releasePortHold();
            bind(port);
        }
    }

    private void releasePortHold() {
        if (portHold != null) {
            portHold.release();
            portHold = null;
        }
    }

    public boolean isRunning() {
        Channel current = listener;
        return current != null && current.isActive();
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            stop();
            releasePortHold();
            bossGroup.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
            workerGroup.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    // ---- fault injection ----------------------------------------------------------------------

    /** While true, requests are read but never answered (also health). */
    public void hang(boolean value) {
        controls.hang(value);
    }

    /**
     * Requests to {@code path} (exact, without the query) are read and never answered, everything else as usual: a
     * Grafana that dies (or is stopped) while that request is in flight. With {@code apply} each is handled first,
     * so its change is made and only the answer is lost: killed between its commit and its reply.
     */
    public void holdAnswers(String path, boolean apply) {
        controls.hold(new Controls.Hold(path, apply));
    }

    /** {@link #holdAnswers(String, boolean)} for requests with {@code method} only (a PUT held, its GETs answered). */
    public void holdAnswers(String method, String path, boolean apply) {
        controls.hold(new Controls.Hold(method, path, apply));
    }

    /** Answers every path again (undoes {@link #holdAnswers}). */
    public void releaseAnswers() {
        controls.hold(null);
    }

    /** Waits this long before handling and answering every HTTP request; zero turns it off. */
    public void delay(Duration value) {
        controls.delay(value);
    }

    /**
     * The next {@code count} API answers (paths under /api, health excluded) are {@code status} with
     * Grafana's error body {@code {"message":"<reason>","traceID":""}}.
     */
    public void inject5xx(int status, int count) {
        controls.inject(status, count);
    }

    /** /api/health answers 503 with {@code "database": "failing"} while true (grafana-api.md §1.2). */
    public void databaseFailing(boolean value) {
        controls.databaseFailing(value);
    }

    // ---- observation --------------------------------------------------------------------------

    /** HTTP requests received (including health checks and WebSocket upgrades). */
    public long requestCount() {
        return stats.total();
    }

    /** HTTP requests received for one path (query string excluded). */
    public long requestCount(String path) {
        return stats.count(path);
    }

    public Optional<RecordedRequest> lastRequest() {
        return stats.last();
    }

    /** TCP connections currently open to this instance, WebSockets included. */
    public int openConnections() {
        return connections.size();
    }

    public int openWebSockets() {
        return stats.openWebSockets().get();
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    /** The instance's users (the built-in admin and everyone the auth proxy signed up), in id order. */
    public java.util.List<GrafanaUser> users() {
        return users.all();
    }

    /** A user of this instance by login, as its database holds it now. */
    public Optional<GrafanaUser> user(String login) {
        return users.byLogin(login);
    }

    // ---- direct store access ------------------------------------------------------------------

    /** Alert rules, contact points (secrets included) and data sources as this instance holds them. */
    public EmulatorResources resources() {
        return app.resources();
    }

    /** uid → stored dashboard, a snapshot. */
    public Map<String, StoredDashboard> dashboards() {
        synchronized (store) {
            Map<String, StoredDashboard> copy = new LinkedHashMap<>();
            store.dashboards().forEach(d -> copy.put(d.uid(), d));
            return copy;
        }
    }

    public Optional<StoredDashboard> dashboard(String uid) {
        synchronized (store) {
            return store.dashboard(uid);
        }
    }

    /** uid → stored folder, a snapshot. */
    public Map<String, StoredFolder> folders() {
        synchronized (store) {
            Map<String, StoredFolder> copy = new LinkedHashMap<>();
            store.folders().forEach(f -> copy.put(f.uid(), f));
            return copy;
        }
    }

    /** Version history of a dashboard, oldest first. */
    public java.util.List<DashboardVersion> versions(String uid) {
        synchronized (store) {
            return store.versions(uid);
        }
    }

    /**
     * Saves like the UI does after loading the latest version: no overwrite, the current stored
     * version sent back, so it creates (version 1) or bumps the version by one, and writes a history
     * row. Use it to simulate an edit that bypasses the gateway. Validation failures throw
     * {@link IllegalArgumentException} with Grafana's error body.
     *
     * @param dashboard dashboard JSON with at least {@code uid} and {@code title}; {@code id} and {@code version} are ignored
     * @param folderUid target folder, {@code ""} or null for the root
     * @param message   version message
     * @param login     the user recorded as updatedBy
     */
    public StoredDashboard putDashboard(ObjectNode dashboard, String folderUid, String message, String login) {
        synchronized (store) {
            ObjectNode data = dashboard.deepCopy();
            data.remove("id");
            String uid = data.path("uid").asText("");
            if (uid.isEmpty()) {
                data.remove("uid");
                data.remove("version");
            } else {
                store.dashboard(uid).ifPresentOrElse(d -> data.put("version", d.version()), () -> data.remove("version"));
            }
            SaveDashboardCommand cmd = new SaveDashboardCommand(data, false, message == null ? "" : message,
                    folderUid == null ? "" : folderUid, 0, false);
            try {
                return saver.save(cmd, login);
            } catch (ApiException e) {
                throw new IllegalArgumentException("putDashboard rejected: HTTP " + e.response().status() + " "
                        + new String(e.response().body(), java.nio.charset.StandardCharsets.UTF_8), e);
            }
        }
    }

    /** {@link #putDashboard(ObjectNode, String, String, String)} as "admin" with no message. */
    public StoredDashboard putDashboard(ObjectNode dashboard, String folderUid) {
        return putDashboard(dashboard, folderUid, "", "admin");
    }

    /** Creates a folder directly in the store (uid must be free; parentUid "" or null for the root). */
    public StoredFolder putFolder(String uid, String title, String parentUid) {
        synchronized (store) {
            if (store.uidTaken(uid)) {
                throw new IllegalArgumentException("uid already used: " + uid);
            }
            String parent = parentUid == null ? "" : parentUid;
            if (!parent.isEmpty() && store.folder(parent).isEmpty()) {
                throw new IllegalArgumentException("no parent folder " + parent);
            }
            java.time.Instant now = options.clock().instant();
            StoredFolder folder = new StoredFolder(store.nextId(), uid, title, parent, 1, now, now, "admin", "admin");
            store.putFolder(folder);
            return folder;
        }
    }

    /** uid → stored library element, a snapshot. */
    public Map<String, StoredLibraryElement> libraryElements() {
        synchronized (store) {
            Map<String, StoredLibraryElement> copy = new LinkedHashMap<>();
            store.libraryElements().forEach(e -> copy.put(e.uid(), e));
            return copy;
        }
    }

    /**
     * Creates a library panel directly, as a user would in the UI (version 1). Validation failures throw
     * {@link IllegalArgumentException} with Grafana's error body.
     *
     * @param folderUid its folder, {@code ""} for General
     */
    public StoredLibraryElement putLibraryElement(String uid, String name, String folderUid, ObjectNode model) {
        synchronized (store) {
            try {
                return library.create(uid, name, folderUid, model.deepCopy(), "admin");
            } catch (ApiException e) {
                throw new IllegalArgumentException("putLibraryElement rejected: HTTP " + e.response().status() + " "
                        + new String(e.response().body(), java.nio.charset.StandardCharsets.UTF_8), e);
            }
        }
    }

    /**
     * Saves a library panel like the UI does after loading it: over its current version, which grows by one. Use it
     * to simulate an edit that bypasses the gateway.
     */
    public StoredLibraryElement updateLibraryElement(String uid, String name, ObjectNode model) {
        synchronized (store) {
            StoredLibraryElement current = store.libraryElement(uid).orElseThrow(
                    () -> new IllegalArgumentException("no library element " + uid));
            StoredLibraryElement updated = new StoredLibraryElement(current.id(), uid, name, current.kind(),
                    current.folderUid(), model.deepCopy(), current.version() + 1, current.created(),
                    options.clock().instant(), current.createdBy(), "admin");
            store.putLibraryElement(updated);
            return updated;
        }
    }

    /**
     * What a browser would see when opening the dashboard, panel by panel: one line per panel that cannot be shown,
     * here a library panel this instance lacks (Grafana's UI then shows an error in that panel's place). Empty when
     * every panel renders; the dashboard must exist.
     */
    public java.util.List<String> renderErrors(String dashboardUid) {
        synchronized (store) {
            StoredDashboard d = store.dashboard(dashboardUid).orElseThrow(
                    () -> new IllegalArgumentException("no dashboard " + dashboardUid));
            return LibraryElementApi.libraryPanelUids(d.json()).stream()
                    .filter(uid -> store.libraryElement(uid).isEmpty())
                    .map(uid -> "library panel " + uid + " not found")
                    .toList();
        }
    }

    @Override
    public String toString() {
        return "GrafanaEmulator[" + options.name() + " " + url() + "]";
    }
}
