package io.grafanaha.sync.desired;

import java.util.Optional;

/**
 * A folder every backend must hold.
 *
 * @param uid pinned by the directory's {@code _folder.json}, else derived from the path ({@link FolderUids})
 * @param title the {@code _folder.json} title, else the directory name (the root: {@code sync.folder})
 * @param parentUid the parent folder; empty only for the root folder of the managed tree
 * @param directory the directory relative to {@code sync.path}; {@code ""} for the root folder
 * @param pinned whether a {@code _folder.json} fixed uid and title
 */
public record DesiredFolder(String uid, String title, Optional<String> parentUid, String directory, boolean pinned) {}
