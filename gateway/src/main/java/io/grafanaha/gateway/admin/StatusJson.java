package io.grafanaha.gateway.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.health.BackendStatus;
import io.grafanaha.health.RoutingMode;
import io.grafanaha.health.StatusSnapshot;
import io.grafanaha.health.check.HealthReport;
import io.grafanaha.health.routing.RoutingEvent;
import io.grafanaha.sync.GitStatus;
import io.grafanaha.sync.SyncStatus;
import io.grafanaha.sync.desired.FileError;
import io.grafanaha.sync.freshness.BackendSyncStatus;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the {@code /api/status} document of DESIGN.md from the health snapshot and the optional sync
 * status. Field names are a contract (fields may be added, never renamed); nothing secret is in either
 * input, and backend URLs lose any user-info so a password written into a URL is not shown either.
 */
public final class StatusJson {
    private final ObjectMapper mapper;

    public StatusJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectNode render(StatusSnapshot health, Optional<SyncStatus> sync) {
        return render(health, sync, List.of());
    }

    /** The status with the sync's and write-back's activity merged into the routing events by time. */
    public ObjectNode render(StatusSnapshot health, Optional<SyncStatus> sync, List<ActivityLog.Activity> activity) {
        ObjectNode root = mapper.createObjectNode();
        root.put("mode", mode(health.mode()));
        ArrayNode active = root.putArray("active");
        health.active().forEach(active::add);
        root.put("lastResort", health.lastResortInUse());
        root.put("forced", health.forcedTarget());
        root.put("failbackAt", iso(health.failbackDue()));
        ArrayNode backends = root.putArray("backends");
        for (BackendStatus b : health.backends()) {
            backends.add(backend(b, sync.map(s -> s.backends().get(b.name()))));
        }
        if (sync.isPresent()) {
            root.set("git", git(sync.get()));
        } else {
            root.putNull("git");
        }
        List<ObjectNode> all = new ArrayList<>();
        health.events().forEach(e -> all.add(event(e)));
        activity.forEach(a -> all.add(activity(a)));
        all.sort(Comparator.comparing(n -> Instant.parse(n.path("at").asText())));
        root.putArray("events").addAll(all);
        return root;
    }

    private ObjectNode activity(ActivityLog.Activity a) {
        ObjectNode n = mapper.createObjectNode();
        n.put("at", a.at().toString());
        n.put("type", a.type());
        a.backend().ifPresent(b -> n.put("backend", b));
        n.put("reason", a.reason());
        return n;
    }

    static String mode(RoutingMode mode) {
        return mode == RoutingMode.LOAD_BALANCE ? "load-balance" : "failover";
    }

    private ObjectNode backend(BackendStatus b, Optional<BackendSyncStatus> sync) {
        ObjectNode n = mapper.createObjectNode();
        n.put("name", b.name());
        n.put("url", withoutUserInfo(b.url()));
        n.put("role", b.role().name().toLowerCase(Locale.ROOT));
        n.put("state", b.state());
        n.put("checkState", b.checkState().name().toLowerCase(Locale.ROOT));
        n.put("routable", b.routable());
        n.put("active", b.active());
        HealthReport h = b.health();
        ObjectNode health = n.putObject("health");
        health.put("lastCheck", iso(h.lastCheck()));
        health.put("latencyMs", h.latencyMs());
        health.put("consecutiveFailures", h.consecutiveFailures());
        health.put("consecutiveProxyFailures", h.consecutiveProxyFailures());
        health.put("lastError", h.lastError());
        if (h.build() != null) {
            ObjectNode build = n.putObject("build");
            build.put("version", h.build().version());
            build.put("commit", h.build().commit());
        } else {
            n.putNull("build");
        }
        if (sync.isPresent()) {
            n.set("sync", backendSync(sync.get()));
        } else {
            n.putNull("sync");
        }
        return n;
    }

    ObjectNode backendSync(BackendSyncStatus s) {
        ObjectNode n = mapper.createObjectNode();
        n.put("appliedCommit", s.appliedCommit().orElse(null));
        n.put("fresh", s.fresh());
        n.put("lagCommits", s.lagCommits());
        n.put("lastSync", iso(s.lastSync().orElse(null)));
        n.put("drift", s.drift());
        n.put("lastError", s.lastError().orElse(null));
        n.put("dashboards", s.dashboards());
        ObjectNode errors = n.putObject("errors");
        s.errors().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> errors.put(e.getKey(), e.getValue()));
        return n;
    }

    ObjectNode git(SyncStatus s) {
        GitStatus g = s.git();
        ObjectNode n = mapper.createObjectNode();
        n.put("head", g.head().orElse(null));
        n.put("headSubject", g.headSubject().orElse(null));
        n.put("lastFetch", iso(g.lastFetch().orElse(null)));
        n.put("lastError", g.lastError().orElse(null));
        n.put("fetchFailures", g.fetchFailures());
        n.put("passes", s.passes());
        if (!s.kept().isEmpty()) {
            n.put("kept", s.kept());
        }
        ArrayNode files = n.putArray("fileErrors");
        for (FileError f : s.fileErrors()) {
            ObjectNode e = files.addObject();
            e.put("path", f.path());
            e.put("message", f.message());
        }
        return n;
    }

    ObjectNode event(RoutingEvent e) {
        ObjectNode n = mapper.createObjectNode();
        n.put("at", iso(e.at()));
        n.put("type", e.type());
        if (e instanceof RoutingEvent.Failover f) {
            n.put("from", f.from());
            n.put("to", f.to());
            n.put("cause", f.cause().label());
        } else if (e instanceof RoutingEvent.Failback f) {
            n.put("from", f.from());
            n.put("to", f.to());
            n.put("cause", f.cause().label());
        } else if (e instanceof RoutingEvent.BackendUp b) {
            n.put("backend", b.backend());
        } else if (e instanceof RoutingEvent.BackendDown b) {
            n.put("backend", b.backend());
        } else if (e instanceof RoutingEvent.Activated b) {
            n.put("backend", b.backend());
        } else if (e instanceof RoutingEvent.Drained b) {
            n.put("backend", b.backend());
        } else if (e instanceof RoutingEvent.Enabled b) {
            n.put("backend", b.backend());
        } else if (e instanceof RoutingEvent.Added b) {
            n.put("backend", b.backend());
        } else if (e instanceof RoutingEvent.Removed b) {
            n.put("backend", b.backend());
        } else if (e instanceof RoutingEvent.LastResort b) {
            n.put("backend", b.backend());
        }
        n.put("reason", e.reason());
        return n;
    }

    private static String iso(Instant at) {
        return at == null ? null : at.toString();
    }

    static String withoutUserInfo(URI url) {
        if (url.getRawUserInfo() == null) {
            return url.toString();
        }
        try {
            return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getRawPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "");
        }
    }
}
