package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.ResourceStep;
import io.grafanaha.sync.SyncTarget;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.Placeholders;
import io.grafanaha.sync.desired.ResourceFiles;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.JsonApi;
import io.grafanaha.sync.plan.DeleteLimit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerting as code: the {@code alerting/} files under {@code sync.path} applied to each backend through the alerting
 * provisioning API after its dashboards (whose folders the rules live in). A commit without an {@code alerting/}
 * directory leaves every backend's alerting alone. Runs on the backend's pass thread; the files are read once per
 * commit.
 */
public final class AlertingStep implements ResourceStep {
    private static final Logger LOG = LoggerFactory.getLogger(AlertingStep.class);

    private final Repository repository;
    private final String syncPath;
    private final Map<String, String> env;
    private final DeleteLimit limit;
    private final boolean editable;
    private final AlertingLedger ledger;
    /** backend → contact point uid → digest of the secrets last written there by this process. */
    private final Map<String, Map<String, String>> appliedSecrets = new ConcurrentHashMap<>();
    /** backend → digest of the desired alerting last applied there without failures. */
    private final Map<String, String> appliedDigest = new ConcurrentHashMap<>();
    private volatile Read cached;

    /** @param source the {@code alerting/} tree and the managed folders it was read with */
    private record Read(ObjectId commit, String source, Optional<DesiredAlerting> alerting, String digest) {}

    /**
     * @param editable {@code sync.write-back}: write with {@code X-Disable-Provenance} so the UI may still edit
     * @param ledger what each backend holds from Git, kept up to date here; while a write-back watches it, a group
     *     changed on a backend is left alone there for the write-back to take to Git
     */
    public AlertingStep(Repository repository, String syncPath, Map<String, String> env, DeleteLimit limit,
            boolean editable, AlertingLedger ledger) {
        this.repository = repository;
        this.syncPath = syncPath;
        this.env = env;
        this.limit = limit;
        this.editable = editable;
        this.ledger = ledger;
    }

    @Override
    public String kind() {
        return "alerting";
    }

    @Override
    public Outcome apply(SyncTarget target, DesiredState dashboards, CommitInfo head, boolean alreadyApplied,
            boolean full) {
        Optional<JsonApi> api = target.client().jsonApi();
        Read read;
        long t0 = System.nanoTime();
        try {
            read = read(dashboards, head);
        } catch (IOException e) {
            return Outcome.failed(0, 0, "cannot read " + ReadAlerting.directory() + "/ at " + head.shortName() + ": "
                    + e.getMessage());
        }
        Optional<DesiredAlerting> desired = read.alerting();
        if (api.isEmpty() || desired.isEmpty()) {
            return Outcome.done(0, 0);
        }
        String digest = read.digest();
        if (!full && digest.equals(appliedDigest.get(target.name()))) {
            return Outcome.done(0, 0); // the files did not change since they were applied there: nothing to ask
        }
        appliedDigest.remove(target.name());
        AlertingBackend backend = new AlertingBackend(api.get(), editable);
        Map<String, String> secrets = appliedSecrets.computeIfAbsent(target.name(), k -> new ConcurrentHashMap<>());
        PlanAlerting.Result plan;
        long t1 = System.nanoTime();
        try {
            plan = PlanAlerting.plan(desired.get(), backend.read(dashboards.foldersByUid().keySet()), limit,
                    uid -> secrets.get(uid), hold(target.name()));
        } catch (GrafanaApiException e) {
            return Outcome.failed(0, 0, "cannot read alerting of " + target.name() + ": " + e.getMessage());
        }
        if (plan.refused().isPresent()) {
            LOG.warn("{}: {}", target.name(), plan.refused().get());
            return Outcome.failed(0, 0, plan.refused().get());
        }
        List<String> failures = new ArrayList<>();
        int applied = 0;
        long t2 = System.nanoTime();
        for (AlertingChange change : plan.changes()) {
            try {
                change.apply(backend);
                applied++;
                if (change instanceof AlertingChange.PutContactPoint c) {
                    if (!c.item().secret().isEmpty()) {
                        secrets.put(c.item().id(), c.item().secret());
                    }
                    ledger.recordItem(target.name(), PlanAlerting.CONTACT_POINT, c.item().id(), c.item().known());
                } else if (change instanceof AlertingChange.PutPolicies p) {
                    ledger.recordItem(target.name(), PlanAlerting.POLICIES, p.item().id(), p.item().known());
                } else if (change instanceof AlertingChange.DeleteContactPoint d) {
                    ledger.forgetItem(target.name(), PlanAlerting.CONTACT_POINT, d.uid());
                } else if (change instanceof AlertingChange.PutGroup p) {
                    ledger.record(target.name(), p.group().key(), p.group().body());
                } else if (change instanceof AlertingChange.PutTemplate t) {
                    ledger.recordItem(target.name(), PlanAlerting.TEMPLATE, t.item().id(), t.item().body());
                } else if (change instanceof AlertingChange.PutMuteTiming m) {
                    ledger.recordItem(target.name(), PlanAlerting.MUTE_TIMING, m.item().id(), m.item().body());
                } else if (change instanceof AlertingChange.DeleteGroup d) {
                    ledger.forget(target.name(), DesiredAlerting.Group.key(d.folderUid(), d.name()));
                }
            } catch (GrafanaApiException e) {
                failures.add(change.describe() + ": " + e.getMessage());
            }
        }
        plan.matching().forEach(g -> ledger.record(target.name(), g.key(), g.body()));
        plan.matchingItems().forEach((kind, items) -> items.forEach(i -> ledger.recordItem(target.name(), kind,
                i.id(), i.known())));
        ledger.persist();
        LOG.debug("{}: alerting: files {} ms, read and plan {} ms, apply {} ms", target.name(),
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
        int drift = alreadyApplied ? applied : 0;
        if (drift > 0) {
            LOG.info("{}: {} alerting change(s) although {} was applied: overwriting edits made outside Git",
                    target.name(), drift, head.shortName());
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
        Optional<DesiredAlerting> desired;
        try {
            desired = desired(dashboards, head);
        } catch (IOException e) {
            return target.name() + " alerting: cannot read " + ReadAlerting.directory() + "/: " + e.getMessage() + "\n";
        }
        if (api.isEmpty() || desired.isEmpty()) {
            return "";
        }
        AlertingBackend backend = new AlertingBackend(api.get(), editable);
        Map<String, String> secrets = appliedSecrets.getOrDefault(target.name(), Map.of());
        PlanAlerting.Result plan = PlanAlerting.plan(desired.get(), backend.read(dashboards.foldersByUid().keySet()),
                limit, secrets::get, hold(target.name()));
        StringBuilder sb = new StringBuilder(plan.render(target.name()));
        desired.get().errors().forEach(e -> sb.append("  skipped ").append(e).append('\n'));
        return sb.toString();
    }

    /**
     * While a write-back watches, a group that differs on the backend from what it last held from Git was changed
     * there by a user (edited, deleted, or made when Git never had it): left alone until the write-back has taken it
     * to Git or decided against it (then the ledger says so and the next pass applies Git's). A group the ledger does
     * not know that Git describes is Git's to apply, as before there was a ledger.
     */
    private PlanAlerting.Hold hold(String backend) {
        boolean on = editable && ledger.watched();
        return new PlanAlerting.Hold() {
            @Override
            public boolean held(String key, ObjectNode group, boolean inGit) {
                if (!on) {
                    return false;
                }
                Optional<ObjectNode> last = ledger.applied(backend, key);
                if (group == null) {
                    return last.isPresent();
                }
                return last.map(l -> !AlertRuleShape.sameGroup(l, group)).orElse(!inGit);
            }

            /** An item Git has, edited there since it was applied (deleted there: restored). */
            @Override
            public boolean heldItem(String kind, String name, JsonNode actual) {
                return on && ledger.appliedItem(backend, kind, name)
                        .filter(l -> !PlanAlerting.sameItem(kind, l, actual)).isPresent();
            }
        };
    }

    /** The files at {@code head}, read once per commit; empty when there is no {@code alerting/} directory. */
    Optional<DesiredAlerting> desired(DesiredState dashboards, CommitInfo head) throws IOException {
        return read(dashboards, head).alerting();
    }

    private Read read(DesiredState dashboards, CommitInfo head) throws IOException {
        Read read = cached;
        if (read != null && read.commit().equals(head.id())) {
            return read;
        }
        synchronized (this) {
            read = cached;
            if (read != null && read.commit().equals(head.id())) {
                return read;
            }
            // Rules name folders, so the files are read again when either changed; a push of dashboards only
            // costs no parsing.
            String source = ResourceFiles.treeId(repository, head.id(), syncPath, ReadAlerting.directory()).name()
                    + " " + dashboards.folders().hashCode();
            if (read != null && read.source().equals(source)) {
                read = new Read(head.id(), source, read.alerting(), read.digest());
                cached = read;
                return read;
            }
            List<ResourceFiles.File> files = ResourceFiles.read(repository, head.id(), syncPath,
                    ReadAlerting.directory());
            Optional<DesiredAlerting> alerting = files.isEmpty() ? Optional.empty()
                    : Optional.of(new ReadAlerting(dashboards, env).read(files));
            alerting.ifPresent(a -> a.errors().forEach(e -> LOG.warn("skipped {}", e)));
            read = new Read(head.id(), source, alerting, Placeholders.digest(alerting.toString()));
            cached = read;
            return read;
        }
    }
}
