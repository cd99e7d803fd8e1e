package io.grafanaha.health;

import io.grafanaha.health.check.GrafanaBuild;
import java.util.Optional;

/**
 * Which Grafana build each backend reported in its last health answer that named one. The proxy asks it to
 * keep a browser on one build while an upgrade is rolling through the instances. Safe from any thread.
 */
@FunctionalInterface
public interface Builds {
    Builds NONE = backend -> Optional.empty();

    Optional<GrafanaBuild> build(String backend);
}
