package io.grafanaha.gateway.demo;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.config.ConfigException;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.health.BackendStatus;
import io.grafanaha.testkit.git.GitServer;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.AuthProxyOptions;
import io.grafanaha.testkit.grafana.EmulatorOptions;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.SessionRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Two Grafana emulators ({@code grafana-a}, the primary, and {@code grafana-b}), optionally a Git server with one
 * repository {@code grafana-manifests} whose {@code shared/} is synced, and the configuration of a gateway in front
 * of them: what the demo runs and what the end-to-end tests start. It lives in main code beside the demo, on the test
 * kit the jar already carries, so the proxy and the application never depend on it.
 *
 * <p>The rig writes the parts every such setup shares (listeners, mode, the two backends, the admin token, the
 * repository); the caller adds its own settings as YAML text, so each test states the health, failback and sync
 * timings it relies on.
 */
public final class Rig implements AutoCloseable {
    public static final String PRIMARY = "grafana-a";
    public static final String REPLICA = "grafana-b";
    /** The repository's name, and the root folder the sync creates on every backend. */
    public static final String REPOSITORY = "grafana-manifests";
    /**
     * Checks every 200 ms, rise and fall 1, so a stopped emulator is noticed within a fraction of a second; the 1 s
     * timeout because only stopped emulators should fail a check, and a loaded machine must not time one out.
     */
    public static final String FAST_HEALTH = """
            health:
              interval: 200ms
              timeout: 1s
              rise: 1
              fall: 1
            """;
    /** Failback automatic and immediate, without waiting for the primary to hold Git's head. */
    public static final String IMMEDIATE_FAILBACK = """
            failback:
              mode: auto
              require-sync: false
              hold: 0ms
            """;

    private final Builder spec;
    private final Map<String, GrafanaEmulator> grafanas = new LinkedHashMap<>();
    private final List<Gateway> gateways = new ArrayList<>();
    private GitServer git;
    private RemoteRepo repo;

    private Rig(Builder spec) {
        this.spec = spec;
        try {
            if (spec.seed != null) {
                git = GitServer.start(spec.dir.resolve("git"));
                repo = git.createRepository(REPOSITORY, spec.seed, "shared/");
            }
            for (String name : List.of(PRIMARY, REPLICA)) {
                EmulatorOptions options = GrafanaEmulator.options().name(name);
                String token = spec.apiTokens.get(name);
                options = token == null ? options : options.token(token);
                options = spec.sessions == null ? options : options.sessions(spec.sessions);
                options = options.authProxy(spec.authProxy);
                grafanas.put(name, GrafanaEmulator.start(options));
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** A rig whose files (Git's data, the sync's data directory) go under {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** A rig without Git or sync, which needs no directory. */
    public static Builder builder() {
        return new Builder(null);
    }

    public GrafanaEmulator a() {
        return grafanas.get(PRIMARY);
    }

    public GrafanaEmulator b() {
        return grafanas.get(REPLICA);
    }

    /** Both emulators by name, grafana-a first. */
    public Map<String, GrafanaEmulator> grafanas() {
        return java.util.Collections.unmodifiableMap(grafanas);
    }

    public Optional<GrafanaEmulator> grafana(String name) {
        return Optional.ofNullable(grafanas.get(name));
    }

    public RemoteRepo repo() {
        if (repo == null) {
            throw new IllegalStateException("this rig has no repository: give the builder a seed");
        }
        return repo;
    }

    public GitServer git() {
        repo();
        return git;
    }

    /** The configuration's text with the given listeners and, when the rig has a repository, sync data directory. */
    public String yaml(String listen, String adminListen, Path dataDir) {
        StringBuilder yaml = new StringBuilder()
                .append("listen: ").append(listen).append('\n')
                .append("admin:\n  listen: ").append(adminListen).append('\n');
        spec.adminToken.ifPresent(t -> yaml.append("  token: \"").append(t).append("\"\n"));
        if (spec.adminTls) {
            yaml.append("  tls: true\n");
        }
        yaml.append("mode: ").append(spec.mode).append('\n').append("backends:\n");
        for (GrafanaEmulator g : grafanas.values()) {
            yaml.append("  - name: ").append(g.name()).append('\n')
                    .append("    url: ").append(spec.backendUrl.apply(g)).append('\n');
            if (spec.mode.equals("failover")) {
                yaml.append("    role: ").append(g.name().equals(PRIMARY) ? "primary" : "replica").append('\n');
            }
            if (spec.withApiTokens) {
                yaml.append("    api-token: ").append(g.token()).append('\n');
            }
        }
        yaml.append(spec.settings);
        if (repo != null) {
            yaml.append("sync:\n  repository: ").append(repo.url()).append("\n  path: shared/\n");
            spec.syncSettings.lines().forEach(l -> yaml.append("  ").append(l).append('\n'));
            yaml.append("  data-dir: ").append(dataDir).append('\n');
        }
        return yaml.toString();
    }

    /** The parsed configuration of {@link #yaml}. */
    public GatewayConfig config(String listen, String adminListen, Path dataDir) {
        try {
            return new ConfigLoader(spec.environment).parse(yaml(listen, adminListen, dataDir), "rig");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("the rig's configuration is invalid: " + e.getMessage(), e);
        }
    }

    /** A gateway on the given ports (0: any free one), not started yet: add admin routes, then start it. */
    public Gateway createGateway(int port, int adminPort) {
        Gateway gateway = Gateway.create(config("127.0.0.1:" + port, "127.0.0.1:" + adminPort, dataDir()));
        gateways.add(gateway);
        return gateway;
    }

    /** A started gateway on free ports; the rig closes it. */
    public Gateway startGateway() {
        Gateway gateway = createGateway(0, 0);
        try {
            return gateway.start();
        } catch (RuntimeException e) {
            gateways.remove(gateway); // start() has closed what it had started
            throw e;
        }
    }

    /** The first gateway this rig created. */
    public Gateway gateway() {
        if (gateways.isEmpty()) {
            throw new IllegalStateException("no gateway started yet");
        }
        return gateways.get(0);
    }

    /** The backend serving now, or empty while none does. */
    public Optional<String> active() {
        return gateway().health().status().backends().stream().filter(BackendStatus::active).map(BackendStatus::name)
                .findFirst();
    }

    public boolean isUp(String backend) {
        return gateway().health().status().backends().stream()
                .anyMatch(s -> s.name().equals(backend) && s.state().equals("up"));
    }

    private Path dataDir() {
        return spec.dir == null ? null : spec.dir.resolve("data");
    }

    /** Stops the gateways, then the emulators, then Git. */
    @Override
    public void close() {
        gateways.forEach(Gateway::close);
        grafanas.values().forEach(GrafanaEmulator::close);
        if (git != null) {
            git.close();
        }
    }

    /** What to start; {@link #start()} starts the emulators and Git (no gateway yet). */
    public static final class Builder {
        private final Path dir;
        private String mode = "failover";
        private Optional<String> adminToken = Optional.empty();
        private boolean adminTls;
        private final Map<String, String> apiTokens = new LinkedHashMap<>();
        private boolean withApiTokens = true;
        private java.util.function.Function<GrafanaEmulator, String> backendUrl = GrafanaEmulator::url;
        private String settings = "";
        private String syncSettings = "";
        private Path seed;
        private SessionRegistry sessions;
        private AuthProxyOptions authProxy = AuthProxyOptions.disabled();
        private Map<String, String> environment = Map.of();

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** {@code failover} (the default; grafana-a is the primary) or {@code load-balance}. */
        public Builder mode(String value) {
            mode = value;
            return this;
        }

        public Builder adminToken(String value) {
            adminToken = Optional.of(value);
            return this;
        }

        /** {@code admin.tls: true}: the ops listener over HTTPS too (the settings must have a {@code tls:} section). */
        public Builder adminTls() {
            adminTls = true;
            return this;
        }

        /** The service-account tokens the emulators accept and the configuration sends (default: the emulators'). */
        public Builder apiTokens(String forA, String forB) {
            apiTokens.put(PRIMARY, forA);
            apiTokens.put(REPLICA, forB);
            return this;
        }

        /** No {@code api-token} in the configuration, as for a gateway that only proxies. */
        public Builder withoutApiTokens() {
            withApiTokens = false;
            return this;
        }

        /** Where the gateway reaches each emulator (default: its URL), e.g. through a fault-injecting proxy. */
        public Builder backendUrl(java.util.function.Function<GrafanaEmulator, String> value) {
            backendUrl = value;
            return this;
        }

        /** Top-level YAML after the backends: {@code health:}, {@code failback:}, {@code routing:}, {@code proxy:}. */
        public Builder settings(String yaml) {
            settings = yaml.endsWith("\n") || yaml.isEmpty() ? yaml : yaml + "\n";
            return this;
        }

        /** Keys of the {@code sync:} section besides repository, path and data-dir, one per line, unindented. */
        public Builder syncSettings(String yaml) {
            syncSettings = yaml;
            return this;
        }

        /** The repository's first commit: the files under {@code folder} become {@code shared/}. */
        public Builder seed(Path folder) {
            seed = folder;
            return this;
        }

        /** The repository's first commit from text: path under {@code shared/} to content. */
        public Builder seedFiles(Map<String, String> files) {
            Path folder = dir.resolve("seed");
            try {
                for (Map.Entry<String, String> f : files.entrySet()) {
                    Path target = folder.resolve(f.getKey());
                    Files.createDirectories(target.getParent());
                    Files.writeString(target, f.getValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the rig's seed files: " + e.getMessage(), e);
            }
            return seed(folder);
        }

        /** One browser session for both emulators, as a shared session store gives real Grafanas. */
        public Builder sessions(SessionRegistry value) {
            sessions = value;
            return this;
        }

        /** Both emulators' {@code [auth.proxy]}, for a gateway that signs people in ({@code auth:}). */
        public Builder authProxy(AuthProxyOptions value) {
            authProxy = value;
            return this;
        }

        /** Environment the configuration's {@code ${VAR}} references resolve against. */
        public Builder environment(Map<String, String> value) {
            environment = Map.copyOf(value);
            return this;
        }

        /** Starts the emulators and, with a seed, Git. */
        public Rig start() {
            if (seed != null && dir == null) {
                throw new IllegalStateException("a rig with a repository needs a directory: Rig.builder(dir)");
            }
            return new Rig(this);
        }
    }
}
