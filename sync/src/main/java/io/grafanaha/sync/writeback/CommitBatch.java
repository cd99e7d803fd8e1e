package io.grafanaha.sync.writeback;

import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.git.CommitInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits several queued edits in journal order, one commit each on top of the previous, and pushes them together:
 * one fetch and one push for the run instead of one per edit. The run stops before an edit that conflicts (it is
 * committed on its own, by {@link CommitEdit#call}, with its conflict branch) or whose backend cannot be read. A
 * rejected push (someone else pushed first) re-applies the whole run on the new head, up to
 * {@value CommitEdit#PUSH_ATTEMPTS} times. Runs on the write-back's thread.
 */
final class CommitBatch {
    private static final Logger LOG = LoggerFactory.getLogger(CommitBatch.class);

    /** An edit of the run and what became of it. */
    record Result(Journal.Entry entry, CommitEdit.Outcome outcome) {}

    private final CommitEdit.Tools tools;
    private final List<Journal.Entry> entries;

    CommitBatch(CommitEdit.Tools tools, List<Journal.Entry> entries) {
        this.tools = tools;
        this.entries = List.copyOf(entries);
    }

    /**
     * The edits of a prefix of the run, done (committed and pushed, or nothing to commit); empty when the first edit
     * must be committed on its own.
     *
     * @throws IOException when Git cannot be reached or the branch kept moving
     */
    List<Result> call() throws IOException {
        List<CommitEdit> edits = new ArrayList<>();
        List<CommitEdit.Reader> readers = new ArrayList<>();
        for (Journal.Entry e : entries) {
            CommitEdit edit = new CommitEdit(tools, e.edit(), e.base());
            try {
                readers.add(edit.read());
            } catch (IOException | RuntimeException failed) {
                break; // committed on its own, which reports the failure
            }
            edits.add(edit);
        }
        for (int attempt = 1; attempt <= CommitEdit.PUSH_ATTEMPTS; attempt++) {
            long fetched = tools.blobs().ticket();
            CommitInfo head = tools.branch().fetchHead();
            ObjectId tip = head.id();
            DesiredState state = tools.branch().read(head);
            for (CommitEdit edit : edits) {
                edit.fetched(state, fetched);
            }
            List<CommitEdit.Step> steps = new ArrayList<>();
            for (int i = 0; i < edits.size(); i++) {
                CommitEdit.Step step = edits.get(i).onto(readers.get(i), tip, state);
                if (step instanceof CommitEdit.Local local) {
                    if (local.write().conflict()) {
                        break;
                    }
                    tip = local.commit();
                    state = tools.branch().readAt(tip, state);
                }
                steps.add(step);
            }
            if (!tip.equals(head.id())) {
                tools.beforePush().run();
                if (tools.writer().push(tools.settings().source().ref(), tip, head.id()) != GitWriter.Pushed.OK) {
                    LOG.info("push of {} edits rejected: {} moved on; re-applying on the new head (attempt {})",
                            steps.size(), tools.settings().source().ref(), attempt);
                    continue;
                }
                tools.writer().advanceBranch(tip);
            }
            List<Result> done = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                CommitEdit.Outcome outcome = steps.get(i) instanceof CommitEdit.Local local
                        ? edits.get(i).pushed(local) : edits.get(i).finish((CommitEdit.Done) steps.get(i));
                done.add(new Result(entries.get(i), outcome));
            }
            return done;
        }
        throw new IOException("the branch kept moving; gave up after " + CommitEdit.PUSH_ATTEMPTS + " attempts");
    }
}
