package io.grafanaha.sync.datasources;

import com.fasterxml.jackson.databind.JsonNode;
import io.grafanaha.sync.ResourceStep;
import io.grafanaha.sync.SyncTarget;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.Placeholders;
import io.grafanaha.sync.desired.ResourceFiles;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.JsonApi;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data sources ({@code sync.datasources: true}): the {@code datasources/} files created and updated by uid on every
 * backend ({@code /api/datasources}), never written back (they hold secrets). A data source changed by hand on an
 * instance that already held the commit is drift: logged, counted in the backend's {@code drift}, and set back to Git.
 * Only {@code deleteDatasources} removes one. Runs on the backend's pass thread; files are read once per commit.
 */
public final class DatasourcesStep implements ResourceStep {
    private static final Logger LOG = LoggerFactory.getLogger(DatasourcesStep.class);
    /** Fields Git decides, compared with the instance's copy; {@code secureJsonData} is compared by digest. */
    private static final List<String> COMPARED = List.of("name", "type", "access", "url", "user", "database",
            "basicAuth", "basicAuthUser", "withCredentials", "isDefault", "jsonData");

    private final Repository repository;
    private final String syncPath;
    private final Map<String, String> env;
    /** backend → uid → digest of the secure data this process last wrote there. */
    private final Map<String, Map<String, String>> appliedSecrets = new ConcurrentHashMap<>();
    /** backend → digest of the desired data sources last applied there without failures. */
    private final Map<String, String> appliedDigest = new ConcurrentHashMap<>();
    private volatile Read cached;

    private record Read(ObjectId commit, ObjectId tree, ReadDatasources.Desired desired, String digest) {}

    /** One change: create, update (with why) or delete. */
    private record Change(String verb, String uid, String name, ReadDatasources.Datasource datasource, String why) {
        String describe() {
            return (verb.equals("create") ? "+ " : verb.equals("update") ? "~ " : "- ") + verb + " data source " + name + " (" + uid + ")" + (datasource == null ? "" : " from "
                    + datasource.path()) + (why.isEmpty() ? "" : ": " + why);
        }
    }

    public DatasourcesStep(Repository repository, String syncPath, Map<String, String> env) {
        this.repository = repository;
        this.syncPath = syncPath;
        this.env = env;
    }

    @Override
    public String kind() {
        return "datasources";
    }

    @Override
    public Outcome apply(SyncTarget target, DesiredState dashboards, CommitInfo head, boolean alreadyApplied,
            boolean full) {
        Optional<JsonApi> api = target.client().jsonApi();
        if (api.isEmpty()) {
            return Outcome.done(0, 0);
        }
        String digest;
        try {
            digest = read(head).digest();
        } catch (IOException e) {
            return Outcome.failed(0, 0, "cannot read " + ReadDatasources.DIRECTORY + "/ at " + head.shortName() + ": "
                    + e.getMessage());
        }
        if (!full && digest.equals(appliedDigest.get(target.name()))) {
            return Outcome.done(0, 0); // the files did not change since they were applied there: nothing to ask
        }
        appliedDigest.remove(target.name());
        Map<String, String> secrets = appliedSecrets.computeIfAbsent(target.name(), k -> new ConcurrentHashMap<>());
        List<Change> changes;
        try {
            changes = plan(api.get(), desired(head), secrets);
        } catch (IOException e) {
            return Outcome.failed(0, 0, "cannot read data sources of " + target.name() + ": " + e.getMessage());
        }
        List<String> failures = new ArrayList<>();
        int applied = 0;
        int drift = 0;
        for (Change c : changes) {
            try {
                switch (c.verb()) {
                    case "create" -> api.get().call("POST", "/api/datasources", c.datasource().body(), Map.of());
                    case "update" -> api.get().call("PUT", "/api/datasources/uid/" + enc(c.uid()),
                            c.datasource().body(), Map.of());
                    default -> api.get().call("DELETE", "/api/datasources/uid/" + enc(c.uid()), null, Map.of());
                }
                applied++;
                if (c.datasource() != null && !c.datasource().secret().isEmpty()) {
                    secrets.put(c.uid(), c.datasource().secret());
                }
                if (alreadyApplied && !c.verb().equals("delete") && !c.why().equals("secure data changed in Git")) {
                    drift++;
                    LOG.warn("{}: data source {} ({}) was changed there by hand ({}): set back to Git's",
                            target.name(), c.name(), c.uid(), c.why());
                }
            } catch (GrafanaApiException e) {
                failures.add(c.describe() + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            return Outcome.failed(applied, drift, failures.get(0)
                    + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more failures)" : ""));
        }
        appliedDigest.put(target.name(), digest);
        return Outcome.done(applied, drift);
    }

    @Override
    public String plan(SyncTarget target, DesiredState dashboards, CommitInfo head) throws GrafanaApiException {
        Optional<JsonApi> api = target.client().jsonApi();
        if (api.isEmpty()) {
            return "";
        }
        ReadDatasources.Desired desired;
        List<Change> changes;
        try {
            desired = desired(head);
            changes = plan(api.get(), desired, appliedSecrets.getOrDefault(target.name(), Map.of()));
        } catch (GrafanaApiException e) {
            throw e;
        } catch (IOException e) {
            return target.name() + " datasources: cannot read " + ReadDatasources.DIRECTORY + "/: " + e.getMessage()
                    + "\n";
        }
        StringBuilder sb = new StringBuilder(target.name()).append(" datasources: ")
                .append(changes.isEmpty() ? "no changes" : changes.size() + " change" + (changes.size() == 1 ? ""
                        : "s")).append('\n');
        changes.forEach(c -> sb.append("  ").append(c.describe()).append('\n'));
        desired.errors().forEach(e -> sb.append("  skipped ").append(e).append('\n'));
        return sb.toString();
    }

    private List<Change> plan(JsonApi api, ReadDatasources.Desired desired, Map<String, String> secrets)
            throws GrafanaApiException {
        List<Change> changes = new ArrayList<>();
        for (ReadDatasources.Datasource d : desired.datasources().values()) {
            Optional<JsonNode> held = api.call("GET", "/api/datasources/uid/" + enc(d.uid()), null, Map.of());
            String name = d.body().path("name").asText();
            if (held.isEmpty()) {
                changes.add(new Change("create", d.uid(), name, d, ""));
                continue;
            }
            String why = differs(d, held.get(), secrets.get(d.uid()));
            if (!why.isEmpty()) {
                changes.add(new Change("update", d.uid(), name, d, why));
            }
        }
        if (!desired.deleteNames().isEmpty()) {
            for (JsonNode h : api.call("GET", "/api/datasources", null, Map.of()).orElseThrow()) {
                String name = h.path("name").asText();
                if (desired.deleteNames().contains(name) && !desired.datasources().containsKey(h.path("uid").asText())) {
                    changes.add(new Change("delete", h.path("uid").asText(), name, null, "deleteDatasources"));
                }
            }
        }
        return changes;
    }

    /** Why the instance's copy is not Git's; empty when it is. */
    private static String differs(ReadDatasources.Datasource d, JsonNode held, String appliedSecret) {
        for (String key : COMPARED) {
            JsonNode want = d.body().path(key);
            JsonNode have = held.path(key);
            boolean wantEmpty = want.isMissingNode() || want.isNull() || want.isTextual() && want.asText().isEmpty()
                    || want.isObject() && want.isEmpty() || want.isBoolean() && !want.asBoolean();
            if (wantEmpty && (have.isMissingNode() || have.isNull() || have.asText("").isEmpty()
                    || have.isObject() && have.isEmpty() || have.isBoolean() && !have.asBoolean())) {
                continue;
            }
            if (!want.equals(have)) {
                return key + " differs";
            }
        }
        JsonNode secure = d.body().path("secureJsonData");
        for (Iterator<String> it = secure.fieldNames(); it.hasNext(); ) {
            if (!held.path("secureJsonFields").path(it.next()).asBoolean(false)) {
                return "a secure field is not set";
            }
        }
        if (!d.secret().isEmpty() && !d.secret().equals(appliedSecret)) {
            return "secure data changed in Git";
        }
        return "";
    }

    private ReadDatasources.Desired desired(CommitInfo head) throws IOException {
        return read(head).desired();
    }

    private Read read(CommitInfo head) throws IOException {
        Read read = cached;
        if (read != null && read.commit().equals(head.id())) {
            return read;
        }
        synchronized (this) {
            read = cached;
            ObjectId tree = ResourceFiles.treeId(repository, head.id(), syncPath, ReadDatasources.DIRECTORY);
            if (read != null && !read.commit().equals(head.id()) && read.tree().equals(tree)) {
                read = new Read(head.id(), tree, read.desired(), read.digest()); // the files did not change
                cached = read;
            } else if (read == null || !read.commit().equals(head.id())) {
                ReadDatasources.Desired desired = ReadDatasources.read(ResourceFiles.read(repository, head.id(),
                        syncPath, ReadDatasources.DIRECTORY), env);
                desired.errors().forEach(e -> LOG.warn("skipped {}", e));
                read = new Read(head.id(), tree, desired, Placeholders.digest(desired.toString()));
                cached = read;
            }
            return read;
        }
    }


    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
