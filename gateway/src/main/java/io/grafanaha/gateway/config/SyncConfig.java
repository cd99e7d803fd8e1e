package io.grafanaha.gateway.config;

import io.grafanaha.sync.desired.SyncScope;
import io.grafanaha.sync.plan.DeleteLimit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The Git sync: one path of one branch of one repository, mirrored to every backend; {@code scope} says whether
 * that path is the root folder {@code folder} or the whole instance.
 *
 * @param datasources {@code sync.datasources}: whether the {@code datasources/} files are applied (default false)
 * @param environment the environment the configuration was read with: {@code ${VAR}} in contact point settings and
 *     data source secure fields in Git is filled from it when a pass applies them
 */
public record SyncConfig(
        String repository,
        String branch,
        String path,
        String folder,
        Duration interval,
        Secret gitToken,
        Optional<Path> sshKey,
        Secret webhookSecret,
        boolean writeBack,
        Duration pollInterval,
        DeleteLimit maxDeletes,
        Path dataDir,
        SyncScope scope,
        boolean datasources,
        Map<String, String> environment) {
    public SyncConfig {
        environment = Map.copyOf(environment);
    }

    @Override
    public String toString() {
        // The environment holds secrets: never printed with the configuration.
        return "SyncConfig[repository=" + repository + ", branch=" + branch + ", path=" + path + ", folder=" + folder
                + ", scope=" + scope + ", datasources=" + datasources + "]";
    }
}
