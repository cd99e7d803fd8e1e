package io.grafanaha.sync.alerting;

import io.grafanaha.sync.grafana.GrafanaApiException;

/** One change a backend's alerting needs; {@link #describe()} is the line {@code sync --dry-run} prints. */
sealed interface AlertingChange {

    String describe();

    void apply(AlertingBackend backend) throws GrafanaApiException;

    /** Alert rules this change deletes, for the deletion guard. */
    default int ruleDeletes() {
        return 0;
    }

    record PutGroup(DesiredAlerting.Group group, boolean create, int removedRules) implements AlertingChange {
        public String describe() {
            return (create ? "+ create" : "~ update") + " rule group " + group.name() + " in folder " + group.folderUid()
                    + " (" + group.body().path("rules").size() + " rules) from " + group.path();
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            b.putGroup(group);
        }

        public int ruleDeletes() {
            return removedRules;
        }
    }

    record DeleteGroup(String folderUid, String name, int rules) implements AlertingChange {
        public String describe() {
            return "- delete rule group " + name + " in folder " + folderUid + " (" + rules + " rules)";
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            b.deleteGroup(folderUid, name);
        }

        public int ruleDeletes() {
            return rules;
        }
    }

    record DeleteRule(String uid) implements AlertingChange {
        public String describe() {
            return "- delete alert rule " + uid + " (deleteRules)";
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            b.deleteRule(uid);
        }

        public int ruleDeletes() {
            return 1;
        }
    }

    record PutContactPoint(DesiredAlerting.Item item, boolean create) implements AlertingChange {
        public String describe() {
            return (create ? "+ create" : "~ update") + " contact point " + item.body().path("name").asText() + " ("
                    + item.id() + ") from " + item.path();
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            if (create) {
                b.createContactPoint(item.body());
            } else {
                b.updateContactPoint(item.id(), item.body());
            }
        }
    }

    record DeleteContactPoint(String uid, String name) implements AlertingChange {
        public String describe() {
            return "- delete contact point " + name + " (" + uid + ")";
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            b.deleteContactPoint(uid);
        }
    }

    record PutTemplate(DesiredAlerting.Item item, boolean create) implements AlertingChange {
        public String describe() {
            return (create ? "+ create" : "~ update") + " template " + item.id() + " from " + item.path();
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            b.putTemplate(item.id(), item.body());
        }
    }

    record DeleteTemplate(String name) implements AlertingChange {
        public String describe() {
            return "- delete template " + name;
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            b.deleteTemplate(name);
        }
    }

    record PutMuteTiming(DesiredAlerting.Item item, boolean create) implements AlertingChange {
        public String describe() {
            return (create ? "+ create" : "~ update") + " mute timing " + item.id() + " from " + item.path();
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            if (create) {
                b.createMuteTiming(item.body());
            } else {
                b.updateMuteTiming(item.id(), item.body());
            }
        }
    }

    record DeleteMuteTiming(String name) implements AlertingChange {
        public String describe() {
            return "- delete mute timing " + name;
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            b.deleteMuteTiming(name);
        }
    }

    record PutPolicies(DesiredAlerting.Item item) implements AlertingChange {
        public String describe() {
            return "~ update notification policies from " + item.path();
        }

        public void apply(AlertingBackend b) throws GrafanaApiException {
            b.putPolicies(item.body());
        }
    }
}
