package io.grafanaha.sync.desired;

import java.util.Optional;

/**
 * A file under {@code sync.path} that was skipped; the rest of the tree is still used.
 *
 * <p>Nothing may be deleted because of a skipped file. When its {@code uid} could be read, that dashboard is
 * protected (neither updated nor deleted). When the file might be a dashboard whose uid could not be read (bad
 * syntax, too large, uid missing), {@code holdsDeletes} tells the planner to plan no deletes at all until it is
 * fixed, since any managed dashboard could be the one the file describes.
 *
 * @param path the file's path in the repository
 * @param message what is wrong, naming the file
 * @param uid the dashboard uid, when it could be read
 * @param holdsDeletes whether deletes must wait until this file is fixed
 */
public record FileError(String path, String message, Optional<String> uid, boolean holdsDeletes) {

    /** A file whose dashboard uid is known: that dashboard is left as it is on every backend. */
    static FileError protecting(String path, String uid, String problem) {
        return new FileError(path, path + ": " + problem, Optional.of(uid), false);
    }

    /** A file that may describe a managed dashboard whose uid is unknown: no deletes until it is fixed. */
    static FileError holdingDeletes(String path, String problem) {
        return new FileError(path, path + ": " + problem, Optional.empty(), true);
    }

    /** A file that cannot describe a dashboard (e.g. another kind of resource): reported, nothing held. */
    static FileError ignoring(String path, String problem) {
        return new FileError(path, path + ": " + problem, Optional.empty(), false);
    }
}
