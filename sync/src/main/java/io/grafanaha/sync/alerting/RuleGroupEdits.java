package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.grafana.GrafanaApiException;
import io.grafanaha.sync.grafana.JsonApi;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rule groups of one backend that someone other than the sync changed there, for the write-back: found by
 * comparing, in the managed folders, what the backend holds now with what it last held from Git
 * ({@link AlertingLedger}) and with Git's head. Two calls per backend whatever the number of groups.
 *
 * <p>A group is the user's when it differs from both: edited (or made, when Git never had it and the ledger does not
 * know it). It conflicts when Git changed or removed that group since the backend last held it. A group the ledger
 * knows that the backend no longer holds was deleted there, when Git still has what the backend last held; otherwise
 * Git moved on and the ledger entry is just stale. A group the ledger does not know that Git describes is Git's to
 * apply (first contact, or a ledger lost): never taken for an edit.
 */
public final class RuleGroupEdits {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RuleGroupEdits() {
    }

    /** What the write-back should do about one rule group of one backend. */
    public sealed interface Edit {
        String folderUid();

        String name();

        default String key() {
            return DesiredAlerting.Group.key(folderUid(), name());
        }
    }

    /**
     * The backend holds a group that differs from what it last held from Git and from Git's head.
     *
     * @param export the group in the file format, as the backend's export gives it
     * @param body the group as the sync reads it back from such a file (the ledger's entry once written back)
     * @param inGit Git's group at the head, when Git describes it
     * @param conflict Git changed or removed the group since the backend last held it
     */
    public record Changed(String folderUid, String name, ObjectNode export, ObjectNode body,
            Optional<DesiredAlerting.Group> inGit, boolean conflict) implements Edit {}

    /** The backend no longer holds a group that Git still has as the backend last held it: deleted there. */
    public record Deleted(String folderUid, String name, DesiredAlerting.Group inGit, int rules) implements Edit {}

    /** The backend no longer holds a group that Git changed or removed since: the ledger's entry is stale. */
    public record Gone(String folderUid, String name) implements Edit {}

    /**
     * @param folders the managed folder uids
     * @param desired Git's alerting at the head
     */
    public static List<Edit> find(String backend, JsonApi api, Set<String> folders, DesiredAlerting desired,
            AlertingLedger ledger) throws GrafanaApiException {
        AlertingBackend.Groups held = new AlertingBackend(api, false).readGroups(folders);
        Map<String, DesiredAlerting.Group> git = new HashMap<>();
        desired.groups().forEach(g -> git.put(g.key(), g));
        Map<String, ObjectNode> last = ledger.applied(backend); // after the backend was read: see AlertingPoller
        List<Edit> edits = new ArrayList<>();
        for (Map.Entry<String, ObjectNode> e : held.groups().entrySet()) {
            String key = e.getKey();
            DesiredAlerting.Group head = git.get(key);
            ObjectNode before = last.get(key);
            ObjectNode export = held.exports().get(key);
            // Ladder: each rung a reason the group is not the user's to write back.
            if (desired.protectedGroups().contains(key) || export == null) {
                continue; // Git's file cannot be read (fix it there first), or the backend gave no export of it
            }
            if (head != null && AlertRuleShape.sameGroup(head.body(), e.getValue())) {
                continue; // Git already holds it
            }
            if (before != null && AlertRuleShape.sameGroup(before, e.getValue())) {
                continue; // what it last held from Git: behind, the next pass applies Git's
            }
            if (before == null && (head != null || desired.holdRuleDeletes())) {
                continue; // never held from Git, and Git (or a skipped file) describes it: Git's to apply
            }
            String folderUid = e.getValue().path("folderUid").asText();
            String name = e.getValue().path("title").asText();
            boolean conflict = before != null && (head == null || !AlertRuleShape.sameGroup(head.body(), before));
            edits.add(new Changed(folderUid, name, export, body(folderUid, name, export), Optional.ofNullable(head),
                    conflict));
        }
        for (Map.Entry<String, ObjectNode> e : last.entrySet()) {
            if (held.groups().containsKey(e.getKey())) {
                continue;
            }
            ObjectNode before = e.getValue();
            DesiredAlerting.Group head = git.get(e.getKey());
            String folderUid = before.path("folderUid").asText();
            String name = before.path("title").asText();
            edits.add(head != null && AlertRuleShape.sameGroup(head.body(), before)
                    ? new Deleted(folderUid, name, head, head.body().path("rules").size())
                    : new Gone(folderUid, name));
        }
        return edits;
    }

    /** The group body the sync reads from a file holding {@code export} (as {@link ReadAlerting} makes it). */
    static ObjectNode body(String folderUid, String name, JsonNode export) {
        ObjectNode body = JSON.createObjectNode().put("title", name).put("folderUid", folderUid)
                .put("interval", Durations.seconds(export.path("interval").asText("1m")));
        export.path("rules").forEach(r -> body.withArray("rules").add(AlertRuleShape.fromExport(r, folderUid, name)));
        if (!body.has("rules")) {
            body.putArray("rules");
        }
        return body;
    }
}
