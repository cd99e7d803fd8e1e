package io.grafanaha.sync.freshness;

import java.io.IOException;
import java.util.Optional;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * How many commits a backend lags behind the head: the commits reachable from the head but not from the applied
 * commit ({@code git rev-list --count applied..head}). After a force-push that dropped the applied commit this is
 * the commits of the new history not shared with the old one.
 */
public final class CommitDistance {
    private final Repository repository;

    public CommitDistance(Repository repository) {
        this.repository = repository;
    }

    /** 0 when equal, -1 when either is unknown or the mirror does not hold the applied commit. */
    public int lag(Optional<ObjectId> applied, Optional<ObjectId> head) {
        if (applied.isEmpty() || head.isEmpty()) {
            return -1;
        }
        if (applied.get().equals(head.get())) {
            return 0;
        }
        try (RevWalk walk = new RevWalk(repository)) {
            walk.markStart(walk.parseCommit(head.get()));
            walk.markUninteresting(walk.parseCommit(applied.get()));
            int count = 0;
            while (walk.next() != null) {
                count++;
            }
            return count;
        } catch (MissingObjectException e) {
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
