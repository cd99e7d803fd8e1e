package io.grafanaha.sync.alerting;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The alerting resources every backend must hold, read from the {@code alerting/} files of one commit.
 *
 * @param groups rule groups, each in the provisioning API's {@code AlertRuleGroup} shape
 * @param contactPoints contact points (one per receiver of the file format), API shape, secrets filled in
 * @param policies the notification policy tree, when a file gives one
 * @param templates message templates
 * @param muteTimings mute timings
 * @param deletes what the files' {@code deleteRules}, {@code deleteContactPoints}, {@code deleteTemplates} and
 *     {@code deleteMuteTimes} ask to remove
 * @param protectedGroups {@code folderUid/group} of groups whose file or entry was skipped: left as they are
 * @param holdRuleDeletes whether a skipped file could hold any group: then no group is deleted
 * @param errors every skipped file or entry, naming the file
 */
public record DesiredAlerting(List<Group> groups, List<Item> contactPoints, Optional<Item> policies,
        List<Item> templates, List<Item> muteTimings, Deletes deletes, Set<String> protectedGroups,
        boolean holdRuleDeletes, List<String> errors) {

    public DesiredAlerting {
        groups = List.copyOf(groups);
        contactPoints = List.copyOf(contactPoints);
        templates = List.copyOf(templates);
        muteTimings = List.copyOf(muteTimings);
        protectedGroups = Set.copyOf(protectedGroups);
        errors = List.copyOf(errors);
    }

    /** Nothing at all: no {@code alerting/} directory. */
    public static DesiredAlerting none() {
        return new DesiredAlerting(List.of(), List.of(), Optional.empty(), List.of(), List.of(),
                new Deletes(Set.of(), Set.of(), Set.of(), Set.of()), Set.of(), false, List.of());
    }

    /**
     * One rule group.
     *
     * @param folderUid the managed folder it is in
     * @param name the group's name
     * @param body {@code {title, folderUid, interval, rules}} as {@code PUT .../rule-groups/:group} takes it
     * @param path the file it came from
     */
    public record Group(String folderUid, String name, ObjectNode body, String path) {
        public String key() {
            return key(folderUid, name);
        }

        public static String key(String folderUid, String name) {
            return folderUid + "/" + name;
        }
    }

    /**
     * A contact point, policy tree, template or mute timing.
     *
     * @param id uid (contact points) or name
     * @param body what the API takes
     * @param path the file it came from
     * @param secret a digest of the values filled from the environment (the backend shows them redacted, so a changed
     *     secret is found by this); empty when there are none
     * @param known the body as the ledger keeps it and the write-back compares it: a contact point's settings filled
     *     from the environment are {@code [REDACTED]} there, so no secret reaches the data directory; else the body
     */
    public record Item(String id, ObjectNode body, String path, String secret, ObjectNode known) {
        public Item(String id, ObjectNode body, String path, String secret) {
            this(id, body, path, secret, body);
        }
    }

    /** What the files ask to delete: rule uids, contact point uids, template and mute timing names. */
    public record Deletes(Set<String> rules, Set<String> contactPoints, Set<String> templates,
            Set<String> muteTimings) {
        public Deletes {
            rules = Set.copyOf(rules);
            contactPoints = Set.copyOf(contactPoints);
            templates = Set.copyOf(templates);
            muteTimings = Set.copyOf(muteTimings);
        }
    }
}
