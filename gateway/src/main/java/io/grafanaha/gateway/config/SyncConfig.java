package io.grafanaha.gateway.config;

import io.grafanaha.sync.desired.SyncScope;
import io.grafanaha.sync.plan.DeleteLimit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The Git sync: one path of one branch of one repository, mirrored to every backend; {@code scope} says whether
 * that path is the root folder {@code folder} or the whole instance.
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
        SyncScope scope) {}
