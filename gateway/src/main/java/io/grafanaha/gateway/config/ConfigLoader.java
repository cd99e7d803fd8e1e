package io.grafanaha.gateway.config;

import io.grafanaha.health.Role;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.sync.desired.SyncScope;
import io.grafanaha.sync.plan.DeleteLimit;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the YAML configuration into a {@link GatewayConfig}. Every problem is collected and reported
 * at once with its key path and line, so a user fixes a file in one round, not one error per run.
 */
public final class ConfigLoader {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    // RFC 6265 cookie-name = token (RFC 9110 tchar).
    private static final Pattern COOKIE_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern SCP_LIKE = Pattern.compile("[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/].*");

    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** A loader that substitutes from the process environment. */
    public static ConfigLoader fromEnvironment() {
        return new ConfigLoader(System.getenv());
    }

    public GatewayConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(file.toString(), List.of(new ConfigProblem("", 0, "no such file")));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of(new ConfigProblem("", 0, "cannot read the file: " + e.getMessage())));
        }
        return parse(text, file.toString());
    }

    public GatewayConfig parse(String yaml, String source) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        YamlNode root = new YamlReader(problems).read(yaml);
        if (root == null) {
            throw new ConfigException(source, problems);
        }
        if (!(root instanceof YamlNode.Mapping mapping)) {
            throw new ConfigException(source, List.of(new ConfigProblem("", root.line(), "the configuration must be a mapping of keys")));
        }
        GatewayConfig config = bind(new Section("", mapping, env, problems));
        if (!problems.isEmpty()) {
            problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
            throw new ConfigException(source, problems);
        }
        return config;
    }

    private GatewayConfig bind(Section top) {
        top.rejectUnknown(Set.of("listen", "admin", "mode", "backends", "health", "failback", "routing", "proxy", "sync", "tls",
                "rate-limits", "access-log", "auth", "tracing"));
        HostPort listen = hostPort(top, "listen");
        Section adminSection = top.section("admin");
        adminSection.rejectUnknown(Set.of("listen", "token", "tls"));
        if (!top.has("admin")) {
            top.problem("admin", "required (admin.listen is where the ops page, /metrics and the admin API live)");
        }
        AdminConfig admin = new AdminConfig(top.has("admin") ? hostPort(adminSection, "listen") : new HostPort("127.0.0.1", 0),
                adminSection.secret("token"), adminSection.bool("tls", false));
        if (admin.tls() && !top.has("tls")) {
            adminSection.problem("tls", "needs the tls: section (cert-file, key-file): the admin listener uses its certificate");
        }
        if (!top.has("mode")) {
            top.problem("mode", "required (failover | load-balance)");
        }
        RoutingMode mode = top.choice("mode", RoutingMode.FAILOVER, modes());
        List<BackendConfig> backends = backends(top, mode);
        HealthConfig health = health(top.section("health"));
        Optional<SyncConfig> sync = top.has("sync") ? Optional.of(sync(top.section("sync"))) : Optional.empty();
        FailbackConfig failback = failback(top.section("failback"), sync.isPresent());
        // An entry with discovery may stand for several instances: count it as two for the retries' default.
        int instances = backends.stream().mapToInt(b -> b.discovery().isPresent() ? 2 : 1).sum();
        RoutingConfig routing = routing(top.section("routing"), instances);
        ProxyConfig proxy = proxy(top.section("proxy"));
        RateLimitConfig rateLimits = RateLimitConfig.read(top.section("rate-limits"));
        AccessLogConfig accessLog = AccessLogConfig.read(top.section("access-log"));
        if (listen.equals(admin.listen()) && listen.port() != 0) {
            adminSection.problem("listen", "is the same address as listen; the admin listener needs its own port");
        }
        Optional<TlsConfig> tls = top.has("tls") ? Optional.of(TlsKeys.tls(top.section("tls"))) : Optional.empty();
        AuthConfig auth = AuthConfig.read(top.section("auth"));
        if (auth.mode() == AuthConfig.Mode.TRUSTED_HEADER && proxy.trustedProxies().isEmpty()) {
            top.section("auth").problem("mode", "is trusted-header but proxy.trusted-proxies is empty: name the"
                    + " authenticating proxy's addresses, or nobody's user header is ever believed");
        }
        TracingConfig tracing = TracingConfig.read(top.section("tracing"));
        return new GatewayConfig(listen, admin, mode, backends, health, failback, routing, proxy, sync, tls, rateLimits, accessLog,
                auth, tracing);
    }

    private static Map<String, RoutingMode> modes() {
        Map<String, RoutingMode> m = new LinkedHashMap<>();
        m.put("failover", RoutingMode.FAILOVER);
        m.put("load-balance", RoutingMode.LOAD_BALANCE);
        return m;
    }

    private static HostPort hostPort(Section s, String name) {
        if (!s.has(name)) {
            s.problem(name, "required (write host:port, e.g. 127.0.0.1:8080)");
            return new HostPort("127.0.0.1", 0);
        }
        return s.parsed(name, new HostPort("127.0.0.1", 0), Values::hostPort, "an address (write host:port, e.g. 127.0.0.1:8080)");
    }

    private static List<BackendConfig> backends(Section top, RoutingMode mode) {
        if (!top.has("backends")) {
            top.problem("backends", "required: a list of the Grafana instances, each with name and url");
            return List.of();
        }
        List<Section> items = top.sections("backends");
        if (items.isEmpty()) {
            top.problem("backends", "must list at least one backend");
        }
        Map<String, String> seenNames = new HashMap<>();
        Map<URI, String> seenUrls = new HashMap<>();
        List<BackendConfig> out = new ArrayList<>();
        int primaries = 0;
        for (Section b : items) {
            b.rejectUnknown(Set.of("name", "url", "role", "api-token", "ca-file", "client-cert-file", "client-key-file", "discovery", "dns-refresh", "srv-service"));
            String name = b.required("name");
            if (!name.isEmpty() && !NAME.matcher(name).matches()) {
                b.problem("name", "\"" + name + "\" may hold only letters, digits, '.', '_' and '-' (it appears in URLs and metric labels)");
            } else if (!name.isEmpty() && seenNames.putIfAbsent(name, b.path()) != null) {
                b.problem("name", "\"" + name + "\" is already the name of " + seenNames.get(name));
            }
            URI url = backendUrl(b);
            if (url != null && seenUrls.putIfAbsent(url, b.path()) != null) {
                b.problem("url", "is already the url of " + seenUrls.get(url));
            }
            Role role = b.choice("role", Role.REPLICA, Map.of("primary", Role.PRIMARY, "replica", Role.REPLICA));
            if (role == Role.PRIMARY) {
                primaries++;
                if (primaries > 1) {
                    b.problem("role", "only one backend may be the primary");
                }
            }
            out.add(new BackendConfig(name, url == null ? URI.create("http://invalid") : url, role, b.secret("api-token"),
                    TlsKeys.caFile(b, url), DiscoveryKeys.discovery(b), TlsKeys.clientCert(b, url)));
        }
        if (mode == RoutingMode.FAILOVER && !items.isEmpty() && primaries == 0) {
            top.problem("backends", "failover mode needs one backend with role: primary");
        }
        return out;
    }

    private static URI backendUrl(Section b) {
        String text = b.required("url");
        if (text.isEmpty()) {
            return null;
        }
        try {
            URI uri = new URI(text.trim());
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                b.problem("url", "\"" + text + "\" is not an http or https URL");
                return null;
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                b.problem("url", "\"" + text + "\" must not carry a query, fragment or credentials (use api-token)");
                return null;
            }
            return uri;
        } catch (URISyntaxException e) {
            b.problem("url", "\"" + text + "\" is not an http or https URL");
            return null;
        }
    }

    private static HealthConfig health(Section h) {
        h.rejectUnknown(Set.of("path", "interval", "timeout", "rise", "fall"));
        String path = h.string("path", "/api/health");
        if (!path.startsWith("/")) {
            h.problem("path", "must start with /");
            path = "/api/health";
        }
        return new HealthConfig(path,
                h.positiveDuration("interval", Duration.ofSeconds(2)),
                h.positiveDuration("timeout", Duration.ofSeconds(1)),
                h.integer("rise", 2, 1, 100),
                h.integer("fall", 3, 1, 100));
    }

    private static FailbackConfig failback(Section f, boolean syncConfigured) {
        f.rejectUnknown(Set.of("mode", "require-sync", "hold"));
        FailbackConfig.Mode mode = f.choice("mode", FailbackConfig.Mode.AUTO,
                Map.of("auto", FailbackConfig.Mode.AUTO, "manual", FailbackConfig.Mode.MANUAL));
        boolean requireSync = f.bool("require-sync", syncConfigured);
        if (requireSync && !syncConfigured) {
            f.problem("require-sync", "is true but there is no sync section: freshness needs the Git sync (set it to false)");
        }
        return new FailbackConfig(mode, requireSync, f.duration("hold", Duration.ofSeconds(10)));
    }

    private static RoutingConfig routing(Section r, int backendCount) {
        r.rejectUnknown(Set.of("retries", "sticky-cookie", "last-resort", "try-timeout", "replay-saves"));
        int retries = r.integer("retries", Math.min(1, Math.max(0, backendCount - 1)), 0, 10);
        String cookie = r.string("sticky-cookie", "").trim();
        if (!cookie.isEmpty() && !COOKIE_NAME.matcher(cookie).matches()) {
            r.problem("sticky-cookie", "\"" + cookie + "\" is not a valid cookie name");
            cookie = "";
        }
        return new RoutingConfig(retries, cookie, r.bool("last-resort", true), r.duration("try-timeout", Duration.ZERO),
                r.bool("replay-saves", true));
    }

    private static final Map<String, ProxyConfig.IoTransport> TRANSPORTS = transports();

    private static Map<String, ProxyConfig.IoTransport> transports() {
        Map<String, ProxyConfig.IoTransport> words = new LinkedHashMap<>();
        for (ProxyConfig.IoTransport t : ProxyConfig.IoTransport.values()) {
            words.put(t.name().toLowerCase(java.util.Locale.ROOT), t);
        }
        return words;
    }

    private static ProxyConfig proxy(Section p) {
        p.rejectUnknown(Set.of("connect-timeout", "response-timeout", "idle-timeout", "websocket-idle-timeout", "shutdown-grace",
                "request-head-timeout", "max-connections", "max-connections-per-client", "trusted-proxies",
                "proxy-protocol", "h2c", "http2", "transport"));
        int maxConnections = p.integer("max-connections", ProxyConfig.DEFAULT_MAX_CONNECTIONS, 1, 10_000_000);
        int perClient = p.integer("max-connections-per-client", Math.min(ProxyConfig.DEFAULT_MAX_CONNECTIONS_PER_CLIENT, maxConnections),
                1, 10_000_000);
        if (perClient > maxConnections) {
            p.problem("max-connections-per-client", perClient + " is more than max-connections (" + maxConnections + ")");
        }
        TrustedProxies.Result trusted = TrustedProxies.parse(p.scalars("trusted-proxies"));
        trusted.invalid().ifPresent(v -> p.problem("trusted-proxies",
                "\"" + v + "\" is not an address or network (write e.g. 10.0.0.0/8, 192.168.1.10 or fd00::/8)"));
        boolean proxyProtocol = p.bool("proxy-protocol", false);
        if (proxyProtocol && trusted.proxies().isEmpty() && trusted.invalid().isEmpty()) {
            p.problem("proxy-protocol", "needs proxy.trusted-proxies: the load balancers allowed to send the PROXY header");
        }
        return new ProxyConfig(
                p.positiveDuration("connect-timeout", Duration.ofSeconds(2)),
                p.positiveDuration("response-timeout", Duration.ofSeconds(60)),
                p.positiveDuration("idle-timeout", Duration.ofSeconds(120)),
                p.positiveDuration("websocket-idle-timeout", Duration.ofHours(1)),
                p.duration("shutdown-grace", Duration.ofSeconds(20)),
                p.positiveDuration("request-head-timeout", ProxyConfig.DEFAULT_REQUEST_HEAD_TIMEOUT),
                maxConnections, perClient, trusted.proxies(), proxyProtocol, Http2Config.read(p),
                p.choice("transport", ProxyConfig.IoTransport.AUTO, TRANSPORTS));
    }

    private SyncConfig sync(Section s) {
        s.rejectUnknown(Set.of("repository", "branch", "path", "folder", "interval", "git-token", "ssh-key",
                "webhook-secret", "write-back", "poll-interval", "max-deletes", "data-dir", "scope",
                "datasources"));
        String repository = s.required("repository").trim();
        String scheme = repositoryScheme(repository);
        if (!repository.isEmpty() && scheme == null) {
            s.problem("repository", "\"" + ConfigPrinter.withoutPassword(repository) + "\" is not a Git URL (https://, http://, ssh://, user@host:path, git:// or file://)");
        }
        String branch = s.string("branch", "main").trim();
        if (branch.isEmpty() || branch.startsWith("-") || branch.contains("..") || branch.contains(" ") || branch.startsWith("refs/")) {
            s.problem("branch", "\"" + branch + "\" is not a branch name");
        }
        String path = normalisePath(s);
        String folder = s.string("folder", repositoryName(repository)).trim();
        if (folder.isEmpty()) {
            s.problem("folder", "must not be empty");
        }
        Secret token = s.secret("git-token");
        Optional<Path> sshKey = s.text("ssh-key").filter(t -> !t.isBlank()).map(Path::of);
        if (!token.isEmpty() && sshKey.isPresent()) {
            s.problem("ssh-key", "set either git-token or ssh-key, not both");
        }
        if (sshKey.isPresent() && scheme != null && !scheme.equals("ssh")) {
            s.problem("ssh-key", "is for ssh repositories, but repository is " + scheme);
        }
        if (!token.isEmpty() && scheme != null && !(scheme.equals("https") || scheme.equals("http"))) {
            s.problem("git-token", "is for https repositories, but repository is " + scheme);
        }
        if ("http".equals(scheme) && !loopback(repository)) {
            String clear = "would be sent in clear over http:// to " + URI.create(repository).getHost()
                    + "; use an https:// repository (plain http:// with credentials is accepted only on this machine)";
            if (!token.isEmpty()) {
                s.problem("git-token", clear);
            } else if (hasPassword(repository)) {
                s.problem("repository", "the password in it " + clear);
            }
        }
        return new SyncConfig(repository, branch, path, folder,
                s.positiveDuration("interval", Duration.ofSeconds(60)),
                token, sshKey, s.secret("webhook-secret"),
                s.bool("write-back", true),
                s.duration("poll-interval", Duration.ofSeconds(10)),
                s.parsed("max-deletes", new DeleteLimit(10, true), Values::deleteLimit, "a share or a count (write e.g. 10% or 25)"),
                Path.of(s.string("data-dir", "./data")),
                s.choice("scope", SyncScope.FOLDER, SCOPES), s.bool("datasources", false), env);
    }

    private static final Map<String, SyncScope> SCOPES = scopes();

    private static Map<String, SyncScope> scopes() {
        Map<String, SyncScope> words = new LinkedHashMap<>();
        for (SyncScope scope : SyncScope.values()) {
            words.put(scope.key(), scope);
        }
        return words;
    }

    private static String normalisePath(Section s) {
        String raw = s.string("path", "").trim().replace('\\', '/');
        String p = raw.replaceAll("^/+", "").replaceAll("/+$", "");
        for (String part : p.split("/")) {
            if (part.equals("..") || part.equals(".")) {
                s.problem("path", "\"" + raw + "\" must be a plain path inside the repository");
                return "";
            }
        }
        return p.isEmpty() ? "" : p + "/";
    }

    /** An http(s) URL to this machine: a token sent there in clear never crosses a network. */
    private static boolean loopback(String repository) {
        try {
            String host = new URI(repository).getHost();
            if (host == null) {
                return false;
            }
            host = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            return host.equalsIgnoreCase("localhost") || host.startsWith("127.") || host.equals("::1");
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static boolean hasPassword(String repository) {
        return !ConfigPrinter.withoutPassword(repository).equals(repository);
    }

    /** The transport a repository URL uses, or null when it is none Git knows. */
    static String repositoryScheme(String repository) {
        if (SCP_LIKE.matcher(repository).matches()) {
            return "ssh";
        }
        try {
            URI u = new URI(repository);
            String scheme = u.getScheme();
            if (scheme == null) {
                return null;
            }
            return switch (scheme) {
                case "https", "http", "ssh", "git" -> u.getHost() == null ? null : scheme;
                case "file" -> u.getPath() == null || u.getPath().isEmpty() ? null : scheme;
                default -> null;
            };
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** {@code https://host/org/grafana-manifests.git} gives {@code grafana-manifests}. */
    static String repositoryName(String repository) {
        String r = repository.replaceAll("/+$", "");
        int cut = Math.max(r.lastIndexOf('/'), r.lastIndexOf(':'));
        String last = cut >= 0 ? r.substring(cut + 1) : r;
        return last.endsWith(".git") ? last.substring(0, last.length() - 4) : last;
    }
}
