package io.grafanaha.gateway.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.proxy.EditObserver;
import io.grafanaha.gateway.proxy.GrafanaWrite;
import io.grafanaha.gateway.proxy.GrafanaWrites;
import io.grafanaha.gateway.proxy.LocalResponse;
import io.grafanaha.gateway.proxy.WatchedRequest;
import io.grafanaha.health.Backend;
import io.grafanaha.sync.writeback.CapturedEdit;
import io.grafanaha.sync.writeback.WriteBack;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects the proxy's view of Grafana writes to the write-back: a save that would overwrite a version
 * the backend has not received from Git yet is answered 412 exactly as Grafana would, and every
 * successful write is journaled for Git.
 */
final class EditCapture implements EditObserver {
    private static final Logger log = LoggerFactory.getLogger(EditCapture.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WriteBack writeBack;
    private final Clock clock;

    EditCapture(WriteBack writeBack, Clock clock) {
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
            log.info("save of dashboard {} on {} refused with 412: the backend does not hold Git's latest version yet",
                    save.uid().get(), backend.name());
            return Optional.of(GrafanaWrites.dashboardVersionMismatch());
        }
        return Optional.empty();
    }

    /**
     * Journals the edit. This runs on the event loop after the response went out; the journal's fsync
     * (a few milliseconds, on a rare operation) is the point after which a crash cannot lose the edit.
     */
    @Override
    public void afterSuccess(Backend backend, WatchedRequest request, int status, byte[] responseBody) {
        Optional<CapturedEdit> edit = request.write().flatMap(w -> edit(backend.name(), w, request.user(), responseBody));
        if (edit.isEmpty()) {
            return;
        }
        try {
            writeBack.capture(edit.get());
        } catch (IOException | RuntimeException e) {
            log.error("could not journal {} of {} on {}; polling will find it: {}", edit.get().kind(), edit.get().uid(),
                    backend.name(), e.getMessage());
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
