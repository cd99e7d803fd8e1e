package io.grafanaha.sync.writeback;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per dashboard uid, the last commit this write-back pushed for it, so that a branch rolled back past that commit
 * (a force-push) is recognised also after a restart: kept as {@code refs/gateway/written/<uid>} in the write-back's
 * own mirror, which also keeps the commit's objects from being pruned. In memory too; written on the write-back's
 * thread only.
 */
final class WrittenCommits {
    private static final Logger LOG = LoggerFactory.getLogger(WrittenCommits.class);
    static final String PREFIX = "refs/gateway/written/";

    private final Supplier<Repository> repository;
    private final Map<String, ObjectId> byUid = new ConcurrentHashMap<>();

    /** Loads the refs already in {@code repository} (the write-back's mirror). */
    WrittenCommits(Supplier<Repository> repository) {
        this.repository = repository;
        try {
            for (Ref ref : repository.get().getRefDatabase().getRefsByPrefix(PREFIX)) {
                if (ref.getObjectId() != null) {
                    byUid.put(ref.getName().substring(PREFIX.length()), ref.getObjectId());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read {}* in the write-back's mirror ({}); a force-push that dropped an edit written "
                    + "back before this start may not be recognised", PREFIX, e.toString());
        }
    }

    Optional<ObjectId> get(String uid) {
        return Optional.ofNullable(byUid.get(uid));
    }

    void put(String uid, ObjectId commit) {
        byUid.put(uid, commit.copy());
        update(uid, commit);
    }

    void remove(String uid) {
        if (byUid.remove(uid) != null) {
            update(uid, null);
        }
    }

    private void update(String uid, ObjectId commit) {
        String name = PREFIX + uid;
        if (!Repository.isValidRefName(name)) {
            return; // kept in memory only: Grafana's uids are ref-safe, a hand-written file's may not be
        }
        try {
            RefUpdate u = repository.get().updateRef(name);
            u.setForceUpdate(true);
            RefUpdate.Result result;
            if (commit == null) {
                result = u.delete();
            } else {
                u.setNewObjectId(commit);
                u.setRefLogMessage("write-back", false);
                result = u.update();
            }
            if (result == RefUpdate.Result.LOCK_FAILURE || result == RefUpdate.Result.IO_FAILURE
                    || result == RefUpdate.Result.REJECTED) {
                LOG.warn("cannot update {} in the write-back's mirror: {}", name, result);
            }
        } catch (IOException e) {
            LOG.warn("cannot update {} in the write-back's mirror: {}", name, e.toString());
        }
    }
}
