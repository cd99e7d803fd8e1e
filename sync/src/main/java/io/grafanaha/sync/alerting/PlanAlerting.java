package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.plan.DeleteLimit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What one backend's alerting needs to match Git, in the order it must run: templates, mute timings and contact
 * points before the policies and rules that name them; rule groups; then deletes, policies' targets last.
 *
 * <p>Rule groups in the sync's managed folders are Git's: one there that no file describes is deleted (unless a
 * skipped file might describe it). Contact points, templates and mute timings are shared with the instance's own, so
 * only the files' {@code delete*} lists remove them, as in Grafana's file provisioning. The guard: a plan that would
 * delete more alert rules than {@code sync.max-deletes} of the managed ones is refused whole, counted apart from
 * dashboards.
 */
final class PlanAlerting {

    /**
     * @param changes in order; empty when the backend matches
     * @param refused why nothing may be applied; empty when the plan may run
     * @param notes what was left alone and why
     * @param matching the rule groups the backend already holds as Git has them
     * @param matchingItems {@value #TEMPLATE}, {@value #MUTE_TIMING}, {@value #CONTACT_POINT} and {@value #POLICIES} →
     *     those the backend holds as Git has them
     */
    record Result(List<AlertingChange> changes, Optional<String> refused, List<String> notes,
            List<DesiredAlerting.Group> matching, Map<String, List<DesiredAlerting.Item>> matchingItems) {
        String render(String backend) {
            StringBuilder sb = new StringBuilder(backend).append(" alerting: ")
                    .append(changes.isEmpty() ? "no changes" : changes.size() + " change"
                            + (changes.size() == 1 ? "" : "s")).append('\n');
            changes.forEach(c -> sb.append("  ").append(c.describe()).append('\n'));
            notes.forEach(n -> sb.append("  ! ").append(n).append('\n'));
            refused.ifPresent(r -> sb.append("  REFUSED: ").append(r).append('\n'));
            return sb.toString();
        }
    }

    private PlanAlerting() {
    }

    /**
     * @param appliedSecret uid → digest of the secrets this process last wrote to the contact point there: the
     *     backend shows them redacted, so a changed secret is only seen this way
     */
    static Result plan(DesiredAlerting desired, AlertingBackend.Actual actual, DeleteLimit limit,
            Function<String, String> appliedSecret) {
        return plan(desired, actual, limit, appliedSecret, (key, group, inGit) -> false);
    }

    /** Which of a backend's rule groups and items a pass leaves alone: changed there, for the write-back. */
    @FunctionalInterface
    interface Hold {
        /**
         * @param actual the group as the backend holds it; null when it holds none
         * @param inGit whether Git describes the group
         */
        boolean held(String key, ObjectNode actual, boolean inGit);

        /**
         * Whether the template, mute timing, contact point or policy tree ({@code kind}) {@code actual} the backend
         * holds is left alone.
         */
        default boolean heldItem(String kind, String name, JsonNode actual) {
            return false;
        }
    }

    /** The kinds of items the ledger knows (contact points by uid, the others by name, the policy tree alone). */
    static final String TEMPLATE = "template";
    static final String MUTE_TIMING = "mute-timing";
    static final String CONTACT_POINT = "contact-point";
    static final String POLICIES = "policies";
    /** How Grafana shows a secure setting of a contact point, and how the ledger keeps one filled from the environment. */
    static final String REDACTED = "[REDACTED]";

    /**
     * Whether a backend's item of {@code kind} holds what {@code desired} (a file's body, or a ledger entry) says; a
     * contact point's setting redacted on either side cannot be compared.
     */
    static boolean sameItem(String kind, JsonNode desired, JsonNode actual) {
        return switch (kind) {
            case TEMPLATE -> actual.path("template").asText().equals(desired.path("template").asText());
            case MUTE_TIMING -> actual.path("time_intervals").equals(desired.path("time_intervals"));
            case CONTACT_POINT -> desired instanceof ObjectNode d && sameContactPoint(d, actual);
            default -> withoutProvenance(actual).equals(desired);
        };
    }

    /** A policy tree as a backend gives it, without the provenance Grafana adds to it. */
    static ObjectNode withoutProvenance(JsonNode tree) {
        ObjectNode copy = tree instanceof ObjectNode o ? o.deepCopy() : JsonNodeFactory.instance.objectNode();
        copy.remove("provenance");
        return copy;
    }

    /** As above; groups {@code hold} names are neither updated, created nor deleted. */
    static Result plan(DesiredAlerting desired, AlertingBackend.Actual actual, DeleteLimit limit,
            Function<String, String> appliedSecret, Hold hold) {
        List<AlertingChange> changes = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, List<DesiredAlerting.Item>> matchingItems = Map.of(TEMPLATE, new ArrayList<>(), MUTE_TIMING,
                new ArrayList<>(), CONTACT_POINT, new ArrayList<>(), POLICIES, new ArrayList<>());
        for (DesiredAlerting.Item t : desired.templates()) {
            JsonNode a = actual.templates().get(t.id());
            if (a != null && sameItem(TEMPLATE, t.body(), a)) {
                matchingItems.get(TEMPLATE).add(t);
            } else if (a != null && hold.heldItem(TEMPLATE, t.id(), a)) {
                notes.add("template " + t.id() + " kept: edited in Grafana, for the write-back to take to Git");
            } else {
                changes.add(new AlertingChange.PutTemplate(t, a == null));
            }
        }
        for (DesiredAlerting.Item m : desired.muteTimings()) {
            JsonNode a = actual.muteTimings().get(m.id());
            if (a != null && sameItem(MUTE_TIMING, m.body(), a)) {
                matchingItems.get(MUTE_TIMING).add(m);
            } else if (a != null && hold.heldItem(MUTE_TIMING, m.id(), a)) {
                notes.add("mute timing " + m.id() + " kept: edited in Grafana, for the write-back to take to Git");
            } else {
                changes.add(new AlertingChange.PutMuteTiming(m, a == null));
            }
        }
        for (DesiredAlerting.Item c : desired.contactPoints()) {
            JsonNode a = actual.contactPoints().get(c.id());
            boolean secretKnown = c.secret().isEmpty() || c.secret().equals(appliedSecret.apply(c.id()));
            if (a != null && sameContactPoint(c.body(), a) && secretKnown) {
                matchingItems.get(CONTACT_POINT).add(c);
            } else if (a != null && hold.heldItem(CONTACT_POINT, c.id(), a)) {
                notes.add("contact point " + a.path("name").asText() + " (" + c.id() + ") kept: edited in Grafana, "
                        + "for the write-back to take to Git");
            } else {
                changes.add(new AlertingChange.PutContactPoint(c, a == null));
            }
        }
        desired.policies().ifPresent(p -> {
            if (sameItem(POLICIES, p.body(), actual.policies())) {
                matchingItems.get(POLICIES).add(p);
            } else if (actual.policies().isObject() && hold.heldItem(POLICIES, p.id(), actual.policies())) {
                notes.add("notification policy tree kept: edited in Grafana, for the write-back to take to Git");
            } else {
                changes.add(new AlertingChange.PutPolicies(p));
            }
        });
        Set<String> desiredRules = new HashSet<>();
        List<DesiredAlerting.Group> matching = new ArrayList<>();
        for (DesiredAlerting.Group g : desired.groups()) {
            ObjectNode a = actual.groups().get(g.key());
            g.body().path("rules").forEach(r -> desiredRules.add(r.path("uid").asText()));
            if (a != null && AlertRuleShape.sameGroup(g.body(), a)) {
                matching.add(g);
            } else if (hold.held(g.key(), a, true)) {
                notes.add("rule group " + g.name() + " in folder " + g.folderUid() + " kept: "
                        + (a == null ? "deleted" : "edited") + " in Grafana, for the write-back to take to Git");
            } else {
                Set<String> wanted = new HashSet<>();
                g.body().path("rules").forEach(r -> wanted.add(r.path("uid").asText()));
                int removed = 0;
                for (JsonNode r : a == null ? List.<JsonNode>of() : a.path("rules")) {
                    removed += wanted.contains(r.path("uid").asText()) ? 0 : 1;
                }
                changes.add(new AlertingChange.PutGroup(g, a == null, removed));
            }
        }
        Set<String> desiredGroups = new HashSet<>();
        desired.groups().forEach(g -> desiredGroups.add(g.key()));
        for (Map.Entry<String, ObjectNode> e : actual.groups().entrySet()) {
            if (desiredGroups.contains(e.getKey()) || desired.protectedGroups().contains(e.getKey())) {
                continue;
            }
            ObjectNode g = e.getValue();
            if (desired.holdRuleDeletes()) {
                notes.add("rule group " + g.path("title").asText() + " in folder " + g.path("folderUid").asText()
                        + " kept: a skipped alerting file may describe it");
                continue;
            }
            if (hold.held(e.getKey(), g, false)) {
                notes.add("rule group " + g.path("title").asText() + " in folder " + g.path("folderUid").asText()
                        + " kept: made or edited in Grafana, for the write-back to take to Git");
                continue;
            }
            changes.add(new AlertingChange.DeleteGroup(g.path("folderUid").asText(), g.path("title").asText(),
                    g.path("rules").size()));
        }
        for (String uid : desired.deletes().rules()) {
            boolean held = actual.groups().values().stream().anyMatch(g -> g.path("rules").findValues("uid").stream()
                    .anyMatch(u -> u.asText().equals(uid)));
            if (held && !desiredRules.contains(uid)) {
                changes.add(new AlertingChange.DeleteRule(uid));
            }
        }
        for (String uid : desired.deletes().contactPoints()) {
            JsonNode a = actual.contactPoints().get(uid);
            if (a != null) {
                changes.add(new AlertingChange.DeleteContactPoint(uid, a.path("name").asText()));
            }
        }
        desired.deletes().muteTimings().stream().filter(actual.muteTimings()::containsKey)
                .forEach(n -> changes.add(new AlertingChange.DeleteMuteTiming(n)));
        desired.deletes().templates().stream().filter(actual.templates()::containsKey)
                .forEach(n -> changes.add(new AlertingChange.DeleteTemplate(n)));
        int deletes = changes.stream().mapToInt(AlertingChange::ruleDeletes).sum();
        int managed = actual.rules();
        Optional<String> refused = limit.allows(deletes, managed) ? Optional.empty()
                : Optional.of("alerting: the plan would delete " + deletes + " of " + managed
                        + " managed alert rules, more than sync.max-deletes " + limit + "; nothing was changed");
        return new Result(changes, refused, notes, matching, matchingItems);
    }

    /**
     * Name, type, resolve flag and settings; the value of a setting shown as {@code [REDACTED]} on either side
     * cannot be compared (its digest is, by the caller), but its presence is.
     */
    static boolean sameContactPoint(ObjectNode desired, JsonNode actual) {
        if (!desired.path("name").equals(actual.path("name")) || !desired.path("type").equals(actual.path("type"))
                || desired.path("disableResolveMessage").asBoolean() != actual.path("disableResolveMessage")
                .asBoolean()) {
            return false;
        }
        JsonNode ds = desired.path("settings");
        JsonNode as = actual.path("settings");
        for (Iterator<String> it = as.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!ds.has(k)) {
                return false; // a setting Git lacks, a secret too: sending Git's removes it
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = ds.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode a = as.path(e.getKey());
            if (!REDACTED.equals(a.asText(null)) && !REDACTED.equals(e.getValue().asText(null))
                    && !AlertRuleShape.contains(a, e.getValue())) {
                return false;
            }
        }
        return true;
    }
}
