package io.grafanaha.gateway.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.health.Backend;
import io.grafanaha.sync.writeback.CapturedEdit;
import io.grafanaha.sync.writeback.EditBody;
import io.grafanaha.sync.writeback.LibraryPanelEdit;
import io.grafanaha.sync.writeback.WriteBack;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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

    public EditCapture(WriteBack writeBack, Clock clock) {
        this.writeBack = writeBack;
        this.clock = clock;
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
            log.info("save of dashboard {} on {} refused with 412: the backend does not hold Git's latest version yet"
                    + " (or a save acknowledged on another backend, not in Git yet)",
                    save.uid().get(), backend.name());
            return Optional.of(GrafanaWrites.dashboardVersionMismatch());
        }
        // The same guard for Grafana 12's resource API, answered as it answers a stale resourceVersion (409 Conflict).
        if (write.isPresent() && write.get() instanceof GrafanaWrite.DashboardResourceSave save && save.conditional()
                && writeBack.wouldLoseUpdate(backend.name(), save.name().orElseThrow(), 0)) {
            log.info("resource save of dashboard {} on {} refused with 409: the backend does not hold Git's latest version yet"
                    + " (or a save acknowledged on another backend, not in Git yet)", save.name().get(), backend.name());
            return Optional.of(DashboardResources.conflict(save.name().get()));
        }
        return Optional.empty();
    }

    /**
     * Journals the edit; the client's response waits for the journal's fsync (on the write-back's journal thread,
     * grouped with other edits), the point after which a crash cannot lose it, so a client told "saved" can rely on
     * it. A dashboard save carries what it saved, so the write-back commits it even if the backend dies before the
     * commit; so does a library panel save, whose answer holds the element it saved. When the journal cannot be
     * written the response still goes out: the write-back holds the edit in memory and out of every pass until it is
     * in Git, and says so in its status, metrics and log.
     */
    @Override
    public CompletionStage<Void> afterSuccess(Backend backend, WatchedRequest request, int status, byte[] responseBody) {
        if (request.write().orElse(null) instanceof GrafanaWrite.AlertingWrite) {
            writeBack.alertingWritten(backend.name()); // found and committed by polling, now rather than later
            return CompletableFuture.completedFuture(null);
        }
        Optional<CapturedEdit> edit = request.write().flatMap(w -> edit(backend.name(), w, request, responseBody));
        if (edit.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return writeBack.journal(edit.get()).exceptionally(e -> {
                log.error("could not journal {} of {} on {}; it is held in memory until it is in Git: {}",
                        edit.get().kind(), edit.get().uid(), backend.name(), e.getMessage());
                return null;
            });
        } catch (RuntimeException e) {
            log.error("could not journal {} of {} on {}; polling will find it: {}", edit.get().kind(), edit.get().uid(),
                    backend.name(), e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
    }

    private Optional<CapturedEdit> edit(String backend, GrafanaWrite write, WatchedRequest request, byte[] responseBody) {
        Optional<String> user = request.user();
        if (write instanceof GrafanaWrite.DashboardSave save) {
            // A new dashboard's uid is chosen by Grafana: the response has it.
            return responseUid(responseBody).or(save::uid)
                    .map(uid -> new CapturedEdit(backend, CapturedEdit.Kind.DASHBOARD_SAVED, uid, user, clock.instant(),
                            EditBody.dashboardSave(request.body(), responseBody)));
        }
        if (write instanceof GrafanaWrite.DashboardResourceSave) {
            return DashboardResources.answer(responseBody).map(a -> new CapturedEdit(backend, CapturedEdit.Kind.DASHBOARD_SAVED,
                    a.name(), user, clock.instant(), Optional.of(resourceBody(a))));
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
        if (write instanceof GrafanaWrite.LibraryPanelCreate || write instanceof GrafanaWrite.LibraryPanelUpdate) {
            // What it saved is in Grafana's answer (a library variable's is not journaled: the sync keeps panels only).
            return LibraryPanelEdit.fromExchange(request.body(), responseBody)
                    .map(saved -> CapturedEdit.libraryPanelSaved(backend, user, clock.instant(), saved));
        }
        if (write instanceof GrafanaWrite.LibraryPanelDelete delete) {
            return Optional.of(CapturedEdit.libraryPanelDeleted(backend, delete.uid(), user, clock.instant()));
        }
        return Optional.empty();
    }

    /**
     * What a resource-API save put on its backend, from its answer (the stored {@code spec}, which lacks the id Grafana
     * moves to a label): the same {@link EditBody} a legacy save journals.
     */
    private static EditBody resourceBody(DashboardResources.Answer answer) {
        ObjectNode dashboard = answer.spec().deepCopy();
        int version = dashboard.path("version").asInt(answer.generation());
        dashboard.put("uid", answer.name());
        dashboard.put("id", answer.id());
        dashboard.put("version", version);
        return new EditBody(dashboard, answer.folderUid(), version);
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
