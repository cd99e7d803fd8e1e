package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.JsonApi;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The message templates, mute timings, contact points and the notification policy tree Git has that someone other
 * than the sync edited on one backend, for the write-back: as {@link RuleGroupEdits} does for rule groups, by
 * comparing what the backend holds with what it last held from Git ({@link AlertingLedger}) and with Git's head. One
 * call per kind Git has. Only edits: these are shared with the instance's own, so one Git does not have is the
 * instance's, and one deleted there is restored by the next pass (Git's files remove them only through their
 * {@code delete*} lists).
 *
 * <p>A contact point's secure settings come back from Grafana as {@code [REDACTED]}: the edit keeps them so, and the
 * file keeps the value it had ({@code ${VAR}}); a setting Git fills from the environment is kept the same way. A
 * secret the file did not have (added in the UI) cannot be read back: it is written as a variable to set, named in
 * {@link Changed#warning()}.
 */
public final class ItemEdits {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ItemEdits() {
    }

    /**
     * An item edited on the backend.
     *
     * @param kind {@code template}, {@code mute-timing}, {@code contact-point} or {@code policies}
     * @param name its name; a contact point's uid
     * @param path Git's file that describes it
     * @param list the file's list it is in: {@code templates}, {@code muteTimes}, {@code contactPoints} or
     *     {@code policies}
     * @param fields what to set in its entry there (see {@link RuleGroupFile#withItem})
     * @param body the ledger's entry once written back
     * @param conflict Git changed it since the backend last held it
     * @param warning what an operator must do for the other instances to hold it (a secret to provide), if anything
     */
    public record Changed(String kind, String name, String path, String list, ObjectNode fields, ObjectNode body,
            boolean conflict, Optional<String> warning) {
        /** How the commit message and the log name it. */
        public String describe() {
            return switch (kind) {
                case PlanAlerting.TEMPLATE -> "template \"" + name + "\"";
                case PlanAlerting.MUTE_TIMING -> "mute timing \"" + name + "\"";
                case PlanAlerting.CONTACT_POINT -> "contact point \"" + fields.path("name").asText() + "\" (" + name
                        + ")";
                default -> "notification policy tree";
            };
        }
    }

    public static List<Changed> find(String backend, JsonApi api, DesiredAlerting desired, AlertingLedger ledger)
            throws GrafanaApiException {
        Set<String> kinds = new LinkedHashSet<>();
        if (!desired.templates().isEmpty()) {
            kinds.add(PlanAlerting.TEMPLATE);
        }
        if (!desired.muteTimings().isEmpty()) {
            kinds.add(PlanAlerting.MUTE_TIMING);
        }
        if (!desired.contactPoints().isEmpty()) {
            kinds.add(PlanAlerting.CONTACT_POINT);
        }
        if (desired.policies().isPresent()) {
            kinds.add(PlanAlerting.POLICIES);
        }
        Map<String, Map<String, JsonNode>> held = new AlertingBackend(api, false).readItems(kinds);
        List<Changed> out = new ArrayList<>();
        find(backend, PlanAlerting.TEMPLATE, desired.templates(), held, ledger, out);
        find(backend, PlanAlerting.MUTE_TIMING, desired.muteTimings(), held, ledger, out);
        find(backend, PlanAlerting.CONTACT_POINT, desired.contactPoints(), held, ledger, out);
        find(backend, PlanAlerting.POLICIES, desired.policies().stream().toList(), held, ledger, out);
        return out;
    }

    private static void find(String backend, String kind, List<DesiredAlerting.Item> inGit,
            Map<String, Map<String, JsonNode>> held, AlertingLedger ledger, List<Changed> out) {
        for (DesiredAlerting.Item item : inGit) {
            JsonNode actual = held.get(kind).get(item.id());
            Optional<ObjectNode> last = ledger.appliedItem(backend, kind, item.id());
            // Ladder: gone there (the pass restores it), Git's already, never held from Git, or merely behind.
            if (actual == null || !actual.isObject() || PlanAlerting.sameItem(kind, item.known(), actual)
                    || last.isEmpty() || PlanAlerting.sameItem(kind, last.get(), actual)) {
                continue;
            }
            boolean conflict = !PlanAlerting.sameItem(kind, item.known(), last.get());
            out.add(switch (kind) {
                case PlanAlerting.TEMPLATE -> named(kind, item, "templates", JSON.createObjectNode()
                        .put("template", actual.path("template").asText()), conflict);
                case PlanAlerting.MUTE_TIMING -> named(kind, item, "muteTimes", JSON.createObjectNode()
                        .set("time_intervals", actual.path("time_intervals").deepCopy()), conflict);
                case PlanAlerting.CONTACT_POINT -> contactPoint(item, actual, conflict);
                default -> {
                    ObjectNode tree = PlanAlerting.withoutProvenance(actual);
                    yield new Changed(kind, item.id(), item.path(), "policies", tree, tree, conflict,
                            Optional.empty());
                }
            });
        }
    }

    private static Changed named(String kind, DesiredAlerting.Item item, String list, ObjectNode fields,
            boolean conflict) {
        ObjectNode body = fields.deepCopy().put("name", item.id());
        return new Changed(kind, item.id(), item.path(), list, fields, body, conflict, Optional.empty());
    }

    /**
     * The receiver entry for the file: {@code name} (the contact point it belongs to, changed by a rename), uid, type,
     * settings and resolve flag. A setting left {@code [REDACTED]} keeps the file's value.
     */
    private static Changed contactPoint(DesiredAlerting.Item item, JsonNode actual, boolean conflict) {
        ObjectNode settings = actual.path("settings").isObject() ? (ObjectNode) actual.path("settings").deepCopy()
                : JSON.createObjectNode();
        JsonNode gitSettings = item.known().path("settings");
        List<String> unknown = new ArrayList<>();
        settings.fields().forEachRemaining(e -> {
            boolean redacted = PlanAlerting.REDACTED.equals(e.getValue().asText(null));
            if (PlanAlerting.REDACTED.equals(gitSettings.path(e.getKey()).asText(null))) {
                e.setValue(JSON.getNodeFactory().textNode(PlanAlerting.REDACTED)); // the file's ${VAR} stays
            } else if (redacted && !gitSettings.has(e.getKey())) {
                String variable = variable(item.id(), e.getKey());
                unknown.add(variable);
                e.setValue(JSON.getNodeFactory().textNode("${" + variable + "}"));
            }
        });
        ObjectNode fields = JSON.createObjectNode().put("name", actual.path("name").asText())
                .put("uid", item.id()).put("type", actual.path("type").asText());
        fields.set("settings", settings);
        fields.put("disableResolveMessage", actual.path("disableResolveMessage").asBoolean(false));
        ObjectNode body = fields.deepCopy();
        body.remove("uid");
        ((ObjectNode) body.path("settings")).fields().forEachRemaining(e -> {
            if (e.getValue().asText("").startsWith("${")) {
                e.setValue(JSON.getNodeFactory().textNode(PlanAlerting.REDACTED));
            }
        });
        Optional<String> warning = unknown.isEmpty() ? Optional.empty() : Optional.of("contact point \""
                + actual.path("name").asText() + "\" (" + item.id() + ") got a secret in Grafana that its API does "
                + "not show; " + item.path() + " names it " + String.join(", ", unknown.stream().map(v -> "${" + v
                + "}").toList()) + ": set that environment variable for every gateway");
        return new Changed(PlanAlerting.CONTACT_POINT, item.id(), item.path(), "contactPoints", fields, body, conflict,
                warning);
    }

    /** The variable a secret added in the UI is written as: {@code CONTACT_POINT_<UID>_<SETTING>}. */
    static String variable(String uid, String setting) {
        return ("CONTACT_POINT_" + uid + "_" + setting).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
    }
}
