package io.grafanaha.gateway.reload;

import java.nio.file.Path;
import java.time.Instant;

/** The configuration file the gateway runs: where, its SHA-256 (hex) and when it was loaded. */
public record LoadedFile(Path file, String sha256, Instant loadedAt) {}
