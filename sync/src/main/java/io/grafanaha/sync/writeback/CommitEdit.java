package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncSettings;
import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaClient;
import java.io.IOException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TimeZone;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevWalk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits one captured edit to the followed branch, like the rest of the pipeline a command:
 * {@code new CommitEdit(tools, edit).call()}. Reads the edit's content from its backend once, then, up to
 * {@value #PUSH_ATTEMPTS} times: fetches the head, applies the rules ({@link EditChange}), commits on top of the head
 * and pushes without force expecting that head; a rejected push (someone else pushed first) is re-applied on the new
 * head. A conflict goes to {@code gateway/conflicts/<uid>-<yyyyMMdd-HHmmss>} instead. Runs on the write-back's thread;
 * it never writes to Grafana and never emits: the {@link Outcome} says what happened, {@link WriteBack} reports it.
 */
final class CommitEdit {
    private static final Logger LOG = LoggerFactory.getLogger(CommitEdit.class);
    static final int PUSH_ATTEMPTS = 5;
    private static final String COMMITTER = "Grafana HA Gateway";
    private static final String COMMITTER_EMAIL = "gateway@grafana-ha-gateway.invalid";
    private static final DateTimeFormatter BRANCH_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    /**
     * What every edit is committed with; one set per write-back. {@code written} holds per dashboard uid the last
     * commit this write-back pushed for it (written on the write-back's thread only, kept across restarts), so that a
     * branch rolled back past that commit is recognised; {@code saved} maps backend, uid and version to the dashboard a
     * journaled save left there; {@code library} holds the rules for library panel edits.
     */
    record Tools(SyncSettings settings, Map<String, GrafanaClient> clients, AppliedBlobs blobs, WriteBackMirror branch,
            GitWriter writer, EditHistory history, EditChange rules, Clock clock, Runnable beforePush,
            WrittenCommits written, Map<String, ObjectNode> saved, LibraryPanelChange library) {}

    /**
     * What became of the edit: the event to report, and the pass to ask for ({@code passReason}), which is a pass
     * for a change of the head ({@code headChanged}) after a commit; {@code blob}, the dashboard file's new blob after
     * a commit of a saved dashboard (what {@link CatchUp} recognises at Git's head).
     */
    record Outcome(WriteBackEvent event, Optional<String> passReason, boolean headChanged, Optional<ObjectId> blob) {
        Outcome(WriteBackEvent event, Optional<String> passReason, boolean headChanged) {
            this(event, passReason, headChanged, Optional.empty());
        }
    }

    private final Tools tools;
    private final CapturedEdit edit;
    private final Optional<ObjectId> base;
    /** The ticket taken when the backend was read ({@link #read}). */
    private long readAt;

    /** @param base the blob the backend held before the edit, when the journal knows it */
    CommitEdit(Tools tools, CapturedEdit edit, Optional<ObjectId> base) {
        this.tools = Objects.requireNonNull(tools, "tools");
        this.edit = Objects.requireNonNull(edit, "edit");
        this.base = Objects.requireNonNull(base, "base");
    }

    /** One edit applied on a local tip, not pushed yet. */
    sealed interface Step {}

    /**
     * Nothing to commit, or a conflict already pushed to its own branch: {@code outcome} is final. {@code inGit}: the
     * blob of the tip the edit was applied to that the backend was found holding, recorded by {@link #finish} once that
     * tip is Git's head (in a run of edits it may hold commits not pushed yet).
     */
    record Done(Outcome outcome, Optional<ObjectId> inGit) implements Step {
        Done(Outcome outcome) {
            this(outcome, Optional.empty());
        }
    }

    /** {@code commit} holds the edit on top of the tip it was applied to; a conflict when {@code write} says so. */
    record Local(ObjectId commit, EditChange.Write write) implements Step {}

    /**
     * @throws IOException when Git or the backend cannot be reached, or the branch kept moving (retried later)
     */
    Outcome call() throws IOException {
        Reader read = read();
        for (int attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
            long fetched = tools.blobs().ticket();
            CommitInfo head = tools.branch().fetchHead();
            DesiredState state = tools.branch().read(head);
            fetched(state, fetched);
            Step step = onto(read, head.id(), state);
            if (step instanceof Done done) {
                return finish(done);
            }
            Local local = (Local) step;
            if (local.write().conflict()) {
                return pushConflict(local.write(), local.commit());
            }
            tools.beforePush().run();
            if (tools.writer().push(tools.settings().source().ref(), local.commit(), head.id())
                    == GitWriter.Pushed.OK) {
                tools.writer().advanceBranch(local.commit());
                return pushed(local);
            }
            LOG.info("push of {} rejected: {} moved on; re-applying on the new head (attempt {})", edit.uid(),
                    tools.settings().source().ref(), attempt);
        }
        throw new IOException("the branch kept moving; gave up after " + PUSH_ATTEMPTS + " attempts");
    }

    /**
     * Reads what the edit saved from its backend, once: later attempts re-apply the same user content to a newer
     * head. A save the gateway relayed carries what it saved ({@link EditBody}), which the backend may have lost since;
     * and when the same backend's previous version of the dashboard came through the journal too, what it held right
     * before the save is known without asking it.
     */
    Reader read() throws IOException {
        GrafanaClient client = tools.clients().get(edit.backend());
        tools.history().forget();
        readAt = tools.blobs().ticket();
        return switch (edit.kind()) {
            case DASHBOARD_SAVED -> {
                var saved = edit.body().isPresent() ? edit.body().map(b -> b.asBackendDashboard(edit.uid()))
                        : client.dashboard(edit.uid());
                String key = edit.backend() + "\u0000" + edit.uid() + "\u0000";
                Optional<ObjectNode> previous = edit.body().map(b -> tools.saved().get(key + (b.version() - 1)));
                edit.body().ifPresent(b -> {
                    tools.saved().put(key + b.version(), b.dashboard());
                    tools.saved().remove(key + (b.version() - 2));
                });
                yield head -> tools.rules().dashboardSaved(edit, saved, previous, base, head);
            }
            case DASHBOARD_DELETED -> {
                boolean there = client.dashboard(edit.uid()).isPresent();
                yield head -> tools.rules().dashboardDeleted(edit, there, head);
            }
            case FOLDER_SAVED -> {
                var saved = client.folder(edit.uid());
                yield head -> tools.rules().folderSaved(edit, saved, head);
            }
            case FOLDER_DELETED -> {
                boolean there = client.folder(edit.uid()).isPresent();
                yield head -> tools.rules().folderDeleted(edit, there, head);
            }
            // Both from the journal alone: the backend is never asked, so an instance gone since loses nothing.
            case LIBRARY_PANEL_SAVED -> head -> tools.library().saved(edit, base, head);
            case LIBRARY_PANEL_DELETED -> head -> tools.library().deleted(edit, base, head);
        };
    }

    /**
     * Records the file of the edit's dashboard at the head fetched at ticket {@code fetched} (whose managed tree is
     * {@code state}): another gateway may have pushed it, and a pass that fetched before now must not set the backend
     * back to its older head (the user's version there may be newer than that head). Only a fetched head: a tip of
     * local commits not pushed yet is no head, and taken for one it makes the backend whose edits they hold look as if
     * it lacked them while the push is in flight (the guard refused its user's next save).
     */
    void fetched(DesiredState state, long fetched) {
        if (edit.isDashboard()) {
            tools.blobs().headChanged(edit.uid(), state.dashboard(edit.uid()).map(d -> d.source().blobId()), fetched);
        }
    }

    /**
     * Applies the edit on {@code tip} (whose managed tree is {@code state}) as a local commit. A conflict is committed
     * too (for its branch); nothing is pushed.
     */
    Step onto(Reader read, ObjectId tip, DesiredState state) throws IOException {
        EditChange.Result result = read.apply(state);
        if (result instanceof EditChange.Nothing nothing) {
            LOG.info("{}: {} {}: nothing to commit: {}", edit.backend(), edit.kind(), edit.uid(), nothing.reason());
            if (edit.isLibraryPanel()) {
                tools.library().inGit(edit, nothing.gitBlob());
            }
            return new Done(new Outcome(new WriteBackEvent.Skipped(edit, nothing.reason()),
                    nothing.behind() ? Optional.of("write-back " + edit.uid() + " behind Git") : Optional.empty(),
                    false), edit.isLibraryPanel() ? Optional.empty() : nothing.gitBlob());
        }
        EditChange.Write write = (EditChange.Write) result;
        if (!write.conflict() && edit.isDashboard() && rewritten(tip)) {
            // The branch no longer holds the commit this write-back made for the dashboard: someone rolled it
            // back (a force-push). Committing the edit again would undo that; keep it on a conflict branch.
            LOG.warn("{}: {} was written back in {}, which {} no longer contains (history rewritten): the edit "
                    + "goes to a conflict branch", edit.backend(), edit.uid(),
                    tools.written().get(edit.uid()).orElseThrow().abbreviate(7).name(), tools.settings().branch());
            write = new EditChange.Write(write.change(), write.path(), write.message(), true, write.blob());
        }
        Optional<ObjectId> commit = tools.writer().commit(tip, write.change(), author(), committer(),
                write.message() + "\n\nCaptured by Grafana HA Gateway (" + edit.kind() + " of " + edit.uid()
                        + " on " + edit.backend() + " at " + edit.at() + ").\n");
        if (commit.isEmpty()) {
            return new Done(new Outcome(new WriteBackEvent.Skipped(edit, "the tree at " + tip.abbreviate(7).name()
                    + " already holds it"), Optional.empty(), false));
        }
        return new Local(commit.get(), write);
    }

    /**
     * Once the tip a {@link Done} step was decided on is Git's head (fetched as it is, or pushed): the backend holds
     * Git's blob when the step found it so, and the outcome.
     */
    Outcome finish(Done done) {
        done.inGit().ifPresent(b -> tools.blobs().recordApplied(edit.backend(), edit.uid(), b, readAt));
        return done.outcome();
    }

    /** After the push of a commit holding {@code local}: what the backend and Git now hold, and the outcome. */
    Outcome pushed(Local local) {
        AppliedBlobs blobs = tools.blobs();
        EditChange.Write write = local.write();
        if (edit.isDashboard()) {
            blobs.committed(edit.backend(), edit.uid(), write.blob(), readAt);
            tools.written().put(edit.uid(), local.commit().copy());
        } else if (edit.isLibraryPanel()) {
            tools.library().inGit(edit, write.blob());
        }
        LOG.info("{}: {} ({})", edit.backend(), write.message(), local.commit().abbreviate(7).name());
        return new Outcome(new WriteBackEvent.Committed(edit, local.commit().name(), write.path(), write.message()),
                Optional.of("write-back " + edit.uid()), true, write.blob());
    }

    /** Whether the commit this write-back last pushed for the edit's dashboard is not in {@code head}'s history. */
    private boolean rewritten(ObjectId tip) throws IOException {
        Optional<ObjectId> written = tools.written().get(edit.uid());
        if (written.isEmpty()) {
            return false;
        }
        ObjectId mine = written.get();
        try (RevWalk walk = new RevWalk(tools.writer().repository())) {
            return !walk.isMergedInto(walk.parseCommit(mine), walk.parseCommit(tip));
        } catch (MissingObjectException e) {
            return false;
        }
    }

    Outcome pushConflict(EditChange.Write write, ObjectId commit) throws IOException {
        if (!edit.isLibraryPanel()) {
            tools.written().remove(edit.uid());
        }
        if (edit.kind() == CapturedEdit.Kind.DASHBOARD_DELETED) {
            // Git keeps the dashboard; the backend does not hold it, so the next pass creates it rather than taking
            // the same delete again.
            tools.blobs().recordRemoved(edit.backend(), edit.uid(), readAt);
        }
        String base = GitWriter.CONFLICTS + edit.uid() + "-" + BRANCH_TIME.format(tools.clock().instant());
        String branch = base;
        // Another gateway may create the same name in the same second: a server that sees both pushes at once
        // refuses one with "already exists" or "failed to lock" rather than a plain rejection. Either way the name
        // is taken; failing here instead would retry the edit later, re-reading a backend that may have moved on.
        for (int n = 2; !created(branch, commit); n++) {
            if (n > PUSH_ATTEMPTS) {
                throw new IOException("cannot create a conflict branch " + base + "-*");
            }
            branch = base + "-" + n;
        }
        LOG.warn("{}: {} conflicts with a change in Git to {}: Git's version stays on {}, the edit is on branch {}",
                edit.backend(), edit.uid(), write.path(), tools.settings().branch(), branch);
        return new Outcome(new WriteBackEvent.Conflicted(edit, branch, commit.name(), write.path()),
                Optional.of("write-back conflict " + edit.uid()), false);
    }

    /** Whether {@code branch} was created at {@code commit}; false when the name is taken or the push was refused. */
    private boolean created(String branch, ObjectId commit) {
        try {
            return tools.writer().push("refs/heads/" + branch, commit, ObjectId.zeroId()) == GitWriter.Pushed.OK;
        } catch (IOException e) {
            LOG.info("conflict branch {} not created ({}); trying the next name", branch, e.getMessage());
            return false;
        }
    }

    /** The Grafana user when known ({@code <login>@grafana.invalid}), else an unknown user. */
    private PersonIdent author() {
        String login = edit.user().orElse("unknown Grafana user");
        String email = edit.user().map(u -> u.replaceAll("[^A-Za-z0-9._+-]", "_") + "@grafana.invalid")
                .orElse("unknown@grafana.invalid");
        return new PersonIdent(login, email, Date.from(edit.at()), TimeZone.getTimeZone("UTC"));
    }

    private PersonIdent committer() {
        return new PersonIdent(COMMITTER, COMMITTER_EMAIL, Date.from(tools.clock().instant()),
                TimeZone.getTimeZone("UTC"));
    }

    /** The rule for one edit, bound to what was read from the backend. */
    @FunctionalInterface
    interface Reader {
        EditChange.Result apply(DesiredState head) throws IOException;
    }
}
