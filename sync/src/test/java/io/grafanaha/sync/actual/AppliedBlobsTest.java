package io.grafanaha.sync.actual;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.sync.desired.DesiredState;
import io.grafanaha.sync.desired.ReadDesiredState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger behind the lost-update guard: what a slow pass read before the write-back pushed an edit never turns the
 * write-back's newer record back, which would refuse the editor's next save with a 412 for no reason.
 */
class AppliedBlobsTest {
    private static final ObjectId OLD = ObjectId.fromString("1111111111111111111111111111111111111111");
    private static final ObjectId NEW = ObjectId.fromString("2222222222222222222222222222222222222222");

    @TempDir Path tmp;
    final AppliedBlobs blobs = new AppliedBlobs();

    @Test
    void aBackendReadBeforeTheWriteBackDoesNotOverwriteWhatTheWriteBackRecordedAfter() {
        long passRead = blobs.ticket();
        long writeBackRead = blobs.ticket();
        blobs.recordApplied("grafana-a", "cpu", NEW, writeBackRead);

        blobs.recordApplied("grafana-a", "cpu", OLD, passRead);

        assertThat(blobs.applied("grafana-a", "cpu")).contains(NEW);
        blobs.recordRemoved("grafana-a", "cpu", passRead);
        assertThat(blobs.applied("grafana-a", "cpu")).contains(NEW);
        blobs.recordRemoved("grafana-a", "cpu", blobs.ticket());
        assertThat(blobs.applied("grafana-a", "cpu")).isEmpty();
    }

    @Test
    void aCommitOfABackendsEditMakesItHoldGitsHeadAndNoOtherBackend() {
        blobs.headChanged("cpu", Optional.of(OLD), blobs.ticket());
        blobs.recordApplied("grafana-a", "cpu", OLD, blobs.ticket());
        blobs.recordApplied("grafana-b", "cpu", OLD, blobs.ticket());
        long read = blobs.ticket();
        assertThat(blobs.lacksHead("grafana-a", "cpu")).isFalse();

        blobs.committed("grafana-a", "cpu", Optional.of(NEW), read);

        assertThat(blobs.head("cpu")).contains(NEW);
        assertThat(blobs.lacksHead("grafana-a", "cpu")).as("it made that head").isFalse();
        assertThat(blobs.lacksHead("grafana-b", "cpu")).as("it has not received it").isTrue();
        assertThat(blobs.lacksHead("grafana-c", "cpu")).as("unknown: never refused for it").isFalse();
    }

    @Test
    void aHeadFetchedBeforeAPushDoesNotHideThePushedFile() throws Exception {
        DesiredState before = state(
                "{\"uid\":\"cpu\",\"title\":\"CPU\",\"panels\":[],\"schemaVersion\":39,\"tags\":[]}");
        long fetched = blobs.ticket();
        blobs.headChanged("cpu", Optional.of(NEW), blobs.ticket());

        blobs.headRead(before, fetched);

        assertThat(blobs.head("cpu")).contains(NEW);
        blobs.headRead(before, blobs.ticket());
        assertThat(blobs.head("cpu")).contains(before.dashboard("cpu").orElseThrow().source().blobId());
    }

    private DesiredState state(String cpu) throws Exception {
        try (Git git = Git.init().setDirectory(tmp.resolve("ws").toFile()).call()) {
            Files.writeString(tmp.resolve("ws/cpu.json"), cpu);
            git.add().addFilepattern("cpu.json").call();
            ObjectId commit = git.commit().setMessage("seed").setAuthor("t", "t@example.invalid")
                    .setCommitter("t", "t@example.invalid").call();
            return new ReadDesiredState(git.getRepository()).setCommit(commit).setRootFolderTitle("Git").call();
        }
    }
}
