package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Snapshots of what an emulator's alerting and data source APIs hold, secrets included (the HTTP API redacts them),
 * so tests can check what a sync wrote. Each call copies under the store lock.
 */
public final class EmulatorResources {
    private final GrafanaStore store;
    private final AlertRuleApi alertRules;
    private final NotificationApi notifications;
    private final DatasourceApi datasources;

    EmulatorResources(GrafanaStore store, AlertRuleApi alertRules, NotificationApi notifications,
            DatasourceApi datasources) {
        this.store = store;
        this.alertRules = alertRules;
        this.notifications = notifications;
        this.datasources = datasources;
    }

    /** uid → alert rule in the provisioning API's shape, with {@code provenance}. */
    public Map<String, ObjectNode> alertRules() {
        return copy(alertRules::rules);
    }

    /** uid → contact point with its secure settings in clear. */
    public Map<String, ObjectNode> contactPoints() {
        return copy(notifications::contactPoints);
    }

    /** uid → data source as {@code GET /api/datasources/uid/:uid} shows it. */
    public Map<String, ObjectNode> datasources() {
        return copy(datasources::datasources);
    }

    /** uid → the data source's {@code secureJsonData} as stored. */
    public Map<String, ObjectNode> datasourceSecrets() {
        return copy(datasources::secureData);
    }

    private Map<String, ObjectNode> copy(Supplier<Map<String, ObjectNode>> source) {
        synchronized (store) {
            Map<String, ObjectNode> out = new LinkedHashMap<>();
            source.get().forEach((k, v) -> out.put(k, v.deepCopy()));
            return out;
        }
    }
}
