package io.grafanaha.sync.writeback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncTarget;
import io.grafanaha.sync.writeback.EditChange.Based;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a backend's own history says a user's version was made on: the part of the conflict rule that decides whether
 * a save is superseded by a later one (nothing to keep) or must be kept.
 */
class EditHistoryTest {
    private GrafanaEmulator b;
    private EditHistory history;
    private int bobs;

    @BeforeEach
    void setUp() throws Exception {
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
        b.putDashboard((ObjectNode) new ObjectMapper().readTree(WriteBackFixture.CPU), "", "git-sync 1111111: seed", "");
        bobs = save("CPU (bob)", "", "bob");
        history = new EditHistory(Map.of("grafana-b", SyncTarget.of("grafana-b", URI.create(b.url()), b.token())
                .client()), null, "");
    }

    @AfterEach
    void tearDown() {
        b.close();
    }

    @Test
    void aVersionTheSameBackendsNextUserSaveWasMadeOnIsSupersededWhenGitHoldsThatSave() throws Exception {
        save("CPU (bob, then alice)", "", "alice");

        assertThat(history.based("grafana-b", "cpu", bobs, current())).isEqualTo(Based.BEHIND);
    }

    /**
     * Seen in the concurrent edits test: a catch-up wrote Git's content over bob's save before the write-back read
     * it, and alice's next save there, made on that content, reached Git first. Bob's version is nowhere else: it
     * must be kept (on a conflict branch), not dropped as superseded.
     */
    @Test
    void aVersionTheSyncWroteOverBeforeTheNextUserSaveIsNotSuperseded() throws Exception {
        save("CPU (from Git)", "git-sync 2222222: Update dashboard \"CPU\" from grafana-a", "sa-gateway");
        save("CPU (alice, on Git's)", "", "alice");

        assertThat(history.based("grafana-b", "cpu", bobs, current())).isEqualTo(Based.ON_OTHER);
    }

    private int save(String title, String message, String login) {
        ObjectNode json = b.dashboard("cpu").orElseThrow().json();
        json.put("title", title);
        return b.putDashboard(json, "", message, login).version();
    }

    /** The backend's current dashboard, as Git holds it once written back. */
    private ObjectNode current() {
        ObjectNode json = b.dashboard("cpu").orElseThrow().json();
        json.put("uid", "cpu");
        return json;
    }
}
