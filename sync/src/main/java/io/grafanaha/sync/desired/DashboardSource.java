package io.grafanaha.sync.desired;

import org.eclipse.jgit.lib.ObjectId;

/**
 * Where a desired dashboard comes from.
 *
 * @param path the file's path in the repository (including {@code sync.path})
 * @param format classic or resource, JSON or YAML
 * @param blobId the Git blob id of the file: changes exactly when the file's bytes change
 */
public record DashboardSource(String path, SourceFormat format, ObjectId blobId) {}
