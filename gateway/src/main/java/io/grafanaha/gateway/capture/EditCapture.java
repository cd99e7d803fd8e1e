package io.grafanaha.gateway.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.health.Backend;
import io.grafanaha.sync.writeback.CapturedEdit;
import io.grafanaha.sync.writeback.WriteBack;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects the proxy's view of Grafana writes to the write-back: a save that would overwrite a version
 * the backend has not received from Git yet is answered 412 exactly as Grafana would, and every
 * successful write is journaled for Git before its client hears that it succeeded.
 */
public final class EditCapture implements EditObserver {
    private static final Logger log = LoggerFactory.getLogger(EditCapture.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WriteBack writeBack;
    private final Clock clock;
    private final Executor journal;

    /**
     * @param journal where {@link WriteBack#capture} runs (it writes and fsyncs the journal, so never on an
     *                event loop); one thread keeps the edits in the order they were answered
     */
    public EditCapture(WriteBack writeBack, Clock clock, Executor journal) {
        this.writeBack = writeBack;
        this.clock = clock;
        this.journal = journal;
    }

    /**
     * The lost-update guard. A save without {@code overwrite} of a dashboard whose newer Git version has
     * not reached this backend would silently replace that version; Grafana's UI shows its "changed by
     * someone else" dialog for this answer, which is what the user needs. An explicit overwrite passes.
     */
    @Override
    public Optional<LocalResponse> beforeForward(Backend backend, WatchedRequest request) {
        Optional<GrafanaWrite> write = request.write();
        if (write.isPresent() && write.get() instanceof GrafanaWrite.DashboardSave save && !save.overwrite() && save.uid().isPresent()
                && writeBack.wouldLoseUpdate(backend.name(), save.uid().get(), (int) save.version().orElse(0))) {
            log.info("save of dashboard {} on {} refused with 412: the backend does not hold Git's latest version yet",
                    save.uid().get(), backend.name());
            return Optional.of(GrafanaWrites.dashboardVersionMismatch());
        }
        return Optional.empty();
    }

    /**
     * Journals the edit on the journal executor; the client's response waits for it. The journal's fsync
     * is the point after which a crash cannot lose the edit, so a client told "saved" can rely on it.
     * A failed journal write is logged and the response still goes out (polling will find the edit).
     */
    @Override
    public CompletionStage<Void> afterSuccess(Backend backend, WatchedRequest request, int status, byte[] responseBody) {
        Optional<CapturedEdit> edit = request.write().flatMap(w -> edit(backend.name(), w, request.user(), responseBody));
        if (edit.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.runAsync(() -> journal(edit.get()), journal);
    }

    private void journal(CapturedEdit edit) {
        try {
            writeBack.capture(edit);
        } catch (IOException | RuntimeException e) {
            log.error("could not journal {} of {} on {}; polling will find it: {}", edit.kind(), edit.uid(),
                    edit.backend(), e.getMessage());
        }
    }

    private Optional<CapturedEdit> edit(String backend, GrafanaWrite write, Optional<String> user, byte[] responseBody) {
        if (write instanceof GrafanaWrite.DashboardSave save) {
            // A new dashboard's uid is chosen by Grafana: the response has it.
            return responseUid(responseBody).or(save::uid)
                    .map(uid -> new CapturedEdit(backend, CapturedEdit.Kind.DASHBOARD_SAVED, uid, user, clock.instant()));
        }
        if (write instanceof GrafanaWrite.DashboardDelete delete) {
            return Optional.of(new CapturedEdit(backend, CapturedEdit.Kind.DASHBOARD_DELETED, delete.uid(), user, clock.instant()));
        }
        if (write instanceof GrafanaWrite.FolderCreate create) {
            return responseUid(responseBody).or(create::uid)
                    .map(uid -> new CapturedEdit(backend, CapturedEdit.Kind.FOLDER_SAVED, uid, user, clock.instant()));
        }
        if (write instanceof GrafanaWrite.FolderUpdate update) {
            return Optional.of(new CapturedEdit(backend, CapturedEdit.Kind.FOLDER_SAVED, update.uid(), user, clock.instant()));
        }
        if (write instanceof GrafanaWrite.FolderMove move) {
            return Optional.of(new CapturedEdit(backend, CapturedEdit.Kind.FOLDER_SAVED, move.uid(), user, clock.instant()));
        }
        if (write instanceof GrafanaWrite.FolderDelete delete) {
            return Optional.of(new CapturedEdit(backend, CapturedEdit.Kind.FOLDER_DELETED, delete.uid(), user, clock.instant()));
        }
        return Optional.empty();
    }

    private static Optional<String> responseUid(byte[] body) {
        try {
            JsonNode uid = JSON.readTree(body).path("uid");
            return uid.isTextual() && !uid.asText().isEmpty() ? Optional.of(uid.asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
