package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.JsonApi;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The message templates and mute timings Git has that someone other than the sync edited on one backend, for the
 * write-back: as {@link RuleGroupEdits} does for rule groups, by comparing what the backend holds with what it last
 * held from Git ({@link AlertingLedger}) and with Git's head. Two calls per backend. Only edits: these are shared
 * with the instance's own, so one Git does not have is the instance's, and one deleted there is restored by the next
 * pass (Git's files remove them only through their {@code delete*} lists).
 */
public final class ItemEdits {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ItemEdits() {
    }

    /**
     * A template or mute timing edited on the backend.
     *
     * @param kind {@code template} or {@code mute-timing}
     * @param path Git's file that describes it
     * @param list the file's list it is in: {@code templates} or {@code muteTimes}
     * @param fields what to set in its entry there (the template's text, or the time intervals)
     * @param body the ledger's entry once written back
     * @param conflict Git changed it since the backend last held it
     */
    public record Changed(String kind, String name, String path, String list, ObjectNode fields, ObjectNode body,
            boolean conflict) {
        /** How the commit message and the log name it. */
        public String describe() {
            return (kind.equals(PlanAlerting.TEMPLATE) ? "template" : "mute timing") + " \"" + name + "\"";
        }
    }

    public static List<Changed> find(String backend, JsonApi api, DesiredAlerting desired, AlertingLedger ledger)
            throws GrafanaApiException {
        Map<String, Map<String, JsonNode>> held = new AlertingBackend(api, false).readItems();
        List<Changed> out = new ArrayList<>();
        find(backend, PlanAlerting.TEMPLATE, desired.templates(), held, ledger, out);
        find(backend, PlanAlerting.MUTE_TIMING, desired.muteTimings(), held, ledger, out);
        return out;
    }

    private static void find(String backend, String kind, List<DesiredAlerting.Item> inGit,
            Map<String, Map<String, JsonNode>> held, AlertingLedger ledger, List<Changed> out) {
        for (DesiredAlerting.Item item : inGit) {
            JsonNode actual = held.get(kind).get(item.id());
            Optional<ObjectNode> last = ledger.appliedItem(backend, kind, item.id());
            // Ladder: gone there (the pass restores it), Git's already, never held from Git, or merely behind.
            if (actual == null || PlanAlerting.sameItem(kind, item.body(), actual) || last.isEmpty()
                    || PlanAlerting.sameItem(kind, last.get(), actual)) {
                continue;
            }
            boolean template = kind.equals(PlanAlerting.TEMPLATE);
            ObjectNode fields = JSON.createObjectNode();
            if (template) {
                fields.put("template", actual.path("template").asText());
            } else {
                fields.set("time_intervals", actual.path("time_intervals").deepCopy());
            }
            ObjectNode body = fields.deepCopy().put("name", item.id());
            out.add(new Changed(kind, item.id(), item.path(), template ? "templates" : "muteTimes", fields, body,
                    !PlanAlerting.sameItem(kind, item.body(), last.get())));
        }
    }
}
