package io.grafanaha.sync.library;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jgit.lib.ObjectId;

/**
 * A library panel every backend must hold.
 *
 * @param uid the identity across backends
 * @param name the library panel's name (unique per folder in Grafana)
 * @param folderUid the folder it lives in: the file's {@code folderUid}, else the managed tree's root
 * @param model the panel model
 * @param path the file it was read from
 * @param blobId the file's blob at the commit read
 */
public record DesiredLibraryPanel(String uid, String name, String folderUid, ObjectNode model, String path,
        ObjectId blobId) {}
