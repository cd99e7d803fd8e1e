package io.grafanaha.sync.grafana;

import java.util.Optional;

/**
 * One row of a dashboard's version history ({@code GET /api/dashboards/uid/:uid/versions}).
 *
 * @param version the dashboard version it wrote
 * @param createdBy the login that saved it ({@code "Anonymous"} or empty when unknown)
 * @param message the save message; the sync's own saves start with {@code git-sync } ({@link SaveMessage})
 */
public record DashboardVersion(int version, String createdBy, String message) {

    /** Whether the sync wrote this version (its message carries the {@link SaveMessage} stamp). */
    public boolean writtenBySync() {
        return message.startsWith(SaveMessage.PREFIX);
    }

    /** The login that saved it, empty when Grafana does not know it (blank, or {@code "Anonymous"}). */
    public Optional<String> user() {
        return createdBy.isBlank() || createdBy.equals("Anonymous") ? Optional.empty() : Optional.of(createdBy);
    }
}
