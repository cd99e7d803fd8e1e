package io.grafanaha.sync.writeback;

import static io.grafanaha.sync.writeback.WriteBackJournalTest.savedThroughGateway;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.SyncTarget;
import io.grafanaha.sync.actual.AppliedBlobs;
import io.grafanaha.sync.git.CommitInfo;
import io.grafanaha.sync.grafana.GrafanaClient;
import io.grafanaha.testkit.grafana.DashboardVersion;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grafana-b has not received grafana-a's last acknowledged save of cpu (pending in the journal, or committed and not
 * fanned out yet): it is brought up to it, stamped as the sync's, unless it holds an edit of its own.
 */
class CatchUpTest {
    private static final ObjectId OLD = ObjectId.fromString("1111111111111111111111111111111111111111");
    private static final ObjectId NEW = ObjectId.fromString("2222222222222222222222222222222222222222");

    @TempDir Path tmp;
    GrafanaEmulator a;
    GrafanaEmulator b;
    Journal journal;
    final AppliedBlobs blobs = new AppliedBlobs();
    final Map<String, Boolean> pending = new ConcurrentHashMap<>();
    final HandledVersions handled = new HandledVersions();
    CatchUp catchUp;

    @BeforeEach
    void setUp() throws Exception {
        a = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-a"));
        b = GrafanaEmulator.start(GrafanaEmulator.options().name("grafana-b"));
        for (GrafanaEmulator g : List.of(a, b)) {
            // Both hold Git's cpu, as the sync left it.
            g.putDashboard((ObjectNode) new ObjectMapper().readTree(WriteBackFixture.CPU), "", "git-sync 1111111: seed", "");
        }
        blobs.headChanged("cpu", Optional.of(OLD), blobs.ticket());
        blobs.recordApplied("grafana-b", "cpu", OLD, blobs.ticket());
        journal = new Journal(tmp);
        Map<String, GrafanaClient> clients = Map.of("grafana-a", client(a), "grafana-b", client(b));
        catchUp = new CatchUp(journal, blobs, clients, (backend, uid) -> pending.getOrDefault(backend + uid, false), handled);
    }

    @AfterEach
    void tearDown() throws Exception {
        journal.close();
        a.close();
        b.close();
    }

    @Test
    void aReplicaLackingASaveAcknowledgedOnThePrimaryIsBroughtUpToItAsTheSyncsVersion() throws Exception {
        CapturedEdit alice = savedThroughGateway(a, "refresh", "1m");
        long id = journal.append(List.of(alice), List.of(Optional.of(OLD))).get(0).id();

        Optional<CatchUp.Behind> behind = catchUp.behind("grafana-b", "cpu");
        assertThat(behind).get().isInstanceOf(CatchUp.Behind.Pending.class);
        assertThat(catchUp.behind("grafana-a", "cpu")).as("grafana-a holds its own save").isEmpty();
        assertThat(catchUp.bringUp("grafana-b", behind.get())).isTrue();

        assertThat(b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m");
        DashboardVersion newest = newest(b);
        assertThat(newest.message()).as("never written back as a user's edit").startsWith("git-sync ");
        assertThat(catchUp.behind("grafana-b", "cpu")).isEmpty();
        assertThat(journal.savedElsewhere("cpu", "grafana-b", catchUp.caughtUpTo("grafana-b", "cpu")))
                .as("the guard no longer counts it").isFalse();
        assertThat(catchUp.caughtUpTo("grafana-b", "cpu")).isEqualTo(id);
        assertThat(catchUp.holds("grafana-b", "cpu")).as("a pass must not set it back to Git's older head").isTrue();
        assertThat(catchUp.behind("grafana-a", "cpu")).isEmpty();

        // The write-back commits alice's save: grafana-b, brought up to it, holds Git's new head (the guard lets its
        // saves through before the sync's fan-out, which leaves it alone while edits made there are pending).
        blobs.headChanged("cpu", Optional.of(NEW), blobs.ticket());
        catchUp.landed(alice, NEW, new CommitInfo(NEW, "Update dashboard \"CPU\" from grafana-a", Instant.now()));
        assertThat(blobs.applied("grafana-b", "cpu")).hasValue(NEW);
        assertThat(catchUp.behind("grafana-b", "cpu")).isEmpty();
        journal.done(id);
        assertThat(catchUp.holds("grafana-b", "cpu")).as("in Git now: passes may touch it again").isFalse();
    }

    /**
     * Seen at a failback in the saves-during-kill-9 bench: the save a backend is being brought up to is committed in
     * the same moment, before the backend counts as brought up to it. It must still be recorded as holding Git's new
     * head, or the guard refuses its user's next save there.
     */
    @Test
    void aReplicaBroughtUpToASaveCommittedMeanwhileIsRecordedAsHoldingGitsHead() throws Exception {
        CapturedEdit alice = savedThroughGateway(a, "refresh", "1m");
        long id = journal.append(List.of(alice), List.of(Optional.of(OLD))).get(0).id();
        CatchUp.Behind behind = catchUp.behind("grafana-b", "cpu").orElseThrow();

        blobs.headChanged("cpu", Optional.of(NEW), blobs.ticket());
        catchUp.landed(alice, NEW, new CommitInfo(NEW, "Update dashboard \"CPU\" from grafana-a", Instant.now()));
        journal.done(id);
        assertThat(catchUp.bringUp("grafana-b", behind)).isTrue();

        assertThat(b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m");
        assertThat(blobs.applied("grafana-b", "cpu")).hasValue(NEW);
        assertThat(blobs.lacksHead("grafana-b", "cpu")).as("the guard lets its next save through").isFalse();
        assertThat(catchUp.behind("grafana-b", "cpu")).isEmpty();
    }

    @Test
    void aReplicaHoldingSomeoneElsesEditIsNotBroughtUp() throws Exception {
        journal.append(List.of(savedThroughGateway(a, "refresh", "1m")), List.of(Optional.of(OLD)));
        bobSavesStraightOnB();

        assertThat(catchUp.bringUp("grafana-b", catchUp.behind("grafana-b", "cpu").orElseThrow())).isFalse();

        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU (bob, straight on grafana-b)");
        assertThat(b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("30s");
    }

    /**
     * Seen in the concurrent edits test with a failover: a pass took bob's edit on grafana-b (had, then pending) while
     * a catch-up was reading grafana-b, after the catch-up had asked whether an edit there was pending. Had and
     * pending is an edit not in Git yet: it is not overwritten.
     */
    @Test
    void anEditAPassTakesWhileTheCatchUpReadsTheReplicaIsNotOverwritten() throws Exception {
        journal.append(List.of(savedThroughGateway(a, "refresh", "1m")), List.of(Optional.of(OLD)));
        int bobs = bobSavesStraightOnB();
        CatchUp.Behind behind = catchUp.behind("grafana-b", "cpu").orElseThrow();
        GrafanaClient reading = onVersions(client(b), () -> {
            pending.put("grafana-b" + "cpu", true);
            handled.took("grafana-b", "cpu", bobs);
        });
        CatchUp racing = new CatchUp(journal, blobs, Map.of("grafana-a", client(a), "grafana-b", reading),
                (backend, uid) -> pending.getOrDefault(backend + uid, false), handled);

        assertThat(racing.bringUp("grafana-b", behind)).isFalse();

        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU (bob, straight on grafana-b)");
    }

    /**
     * The other order of the same race: the catch-up runs while a pass is taking bob's edit, before the journal has
     * it. The version counts as had only once it is pending, so the catch-up takes it for an edit the write-back does
     * not have and leaves it.
     */
    @Test
    void aCatchUpWhileAPassTakesAnEditMadeOnTheReplicaLeavesIt() throws Exception {
        journal.append(List.of(savedThroughGateway(a, "refresh", "1m")), List.of(Optional.of(OLD)));
        bobSavesStraightOnB();
        CatchUp.Behind behind = catchUp.behind("grafana-b", "cpu").orElseThrow();
        AtomicBoolean broughtUp = new AtomicBoolean();
        PassHold hold = new PassHold((backend, uid) -> pending.getOrDefault(backend + uid, false),
                Map.of("grafana-b", client(b)), edit -> {
                    broughtUp.set(catchUp.bringUp("grafana-b", behind)); // the journal does not have the edit yet
                    pending.put(edit.backend() + edit.uid(), true);
                }, uid -> false, () -> true, Clock.systemUTC(), handled);

        assertThat(hold.takeEdit("grafana-b", "cpu")).as("the pass leaves bob's edit to the write-back").isTrue();

        assertThat(broughtUp).isFalse();
        assertThat(b.dashboard("cpu").orElseThrow().title()).isEqualTo("CPU (bob, straight on grafana-b)");
    }

    @Test
    void aReplicaWithAnEditPendingThereIsNeverBehind() throws Exception {
        journal.append(List.of(savedThroughGateway(a, "refresh", "1m")), List.of(Optional.of(OLD)));
        pending.put("grafana-b" + "cpu", true);

        assertThat(catchUp.behind("grafana-b", "cpu")).isEmpty();
    }

    @Test
    void aReplicaTheFanOutHasNotReachedIsBroughtUpToTheSaveJustCommittedAndRecordedAsHoldingGitsHead()
            throws Exception {
        CapturedEdit alice = savedThroughGateway(a, "refresh", "1m");
        catchUp.landed(alice, NEW, new CommitInfo(NEW, "Update dashboard \"CPU\" from grafana-a", Instant.now()));
        assertThat(catchUp.behind("grafana-b", "cpu")).as("Git's head is still the old blob").isEmpty();
        blobs.headChanged("cpu", Optional.of(NEW), blobs.ticket());

        CatchUp.Behind behind = catchUp.behind("grafana-b", "cpu").orElseThrow();
        assertThat(behind).isInstanceOf(CatchUp.Behind.InGit.class);
        assertThat(catchUp.bringUp("grafana-b", behind)).isTrue();

        assertThat(b.dashboard("cpu").orElseThrow().json().path("refresh").asText()).isEqualTo("1m");
        assertThat(newest(b).message()).startsWith("git-sync 2222222: Update dashboard");
        assertThat(blobs.applied("grafana-b", "cpu")).hasValue(NEW);
        assertThat(catchUp.behind("grafana-b", "cpu")).isEmpty();
    }

    /** Bob saves cpu on grafana-b without the gateway; returns the version it got there. */
    private int bobSavesStraightOnB() {
        ObjectNode theirs = b.dashboard("cpu").orElseThrow().json();
        theirs.put("title", "CPU (bob, straight on grafana-b)");
        return b.putDashboard(theirs, "", "", "bob").version();
    }

    /** {@code client}, running {@code meanwhile} each time before it asks for a dashboard's versions. */
    private static GrafanaClient onVersions(GrafanaClient client, Runnable meanwhile) {
        return (GrafanaClient) Proxy.newProxyInstance(GrafanaClient.class.getClassLoader(),
                new Class<?>[] {GrafanaClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("versions")) {
                        meanwhile.run();
                    }
                    try {
                        return method.invoke(client, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** The newest row of cpu's history (the emulator lists it oldest first). */
    private static DashboardVersion newest(GrafanaEmulator g) {
        List<DashboardVersion> history = g.versions("cpu");
        return history.get(history.size() - 1);
    }

    private static GrafanaClient client(GrafanaEmulator g) {
        return SyncTarget.of(g.name(), URI.create(g.url()), g.token()).client();
    }
}
