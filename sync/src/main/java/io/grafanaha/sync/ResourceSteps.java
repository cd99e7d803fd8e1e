package io.grafanaha.sync;

import io.grafanaha.sync.alerting.AlertingLedger;
import io.grafanaha.sync.alerting.AlertingStep;
import io.grafanaha.sync.datasources.DatasourcesStep;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.lib.Repository;

/** The resource steps a sync runs after the dashboards, in order; one line per kind. */
final class ResourceSteps {
    private ResourceSteps() {
    }

    static List<ResourceStep> create(SyncSettings settings, ResourceKinds kinds, Repository repository,
            AlertingLedger alerting) {
        List<ResourceStep> steps = new ArrayList<>();
        steps.add(new AlertingStep(repository, settings.path(), kinds.environment(), settings.deleteLimit(),
                settings.writeBack(), alerting));
        if (kinds.datasources()) {
            steps.add(new DatasourcesStep(repository, settings.path(), kinds.environment()));
        }
        return steps;
    }
}
