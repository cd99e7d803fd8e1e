package io.grafanaha.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test remote must not change on disk behind a test's back. JGit's receive-pack starts a gc on a
 * background thread once a push leaves more than 50 packs ({@code gc.autoPackLimit}); in a test that pushes
 * 60 times it was still repacking the remote's {@code objects/pack} while {@code @TempDir} deleted it
 * ({@code DirectoryNotEmptyException}, GitMirrorTest, about one run in four).
 */
class RemoteRepoTest {
    @TempDir Path tmp;

    @Test
    void aRemoteThatReceivesManyPushesKeepsItsPacksAsThePushesWroteThem() {
        try (RemoteRepo remote = RemoteRepo.create(tmp.resolve("remote"))) {
            for (int i = 0; i < 60; i++) {
                remote.write("a.txt", "change " + i).commitAndPush("change " + i);
            }
            Path packDir = remote.bareDirectory().resolve("objects/pack");
            Set<String> afterPushes = packs(packDir);

            assertThat(afterPushes).as("one pack per push, none repacked").hasSize(60);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> packs(packDir).equals(afterPushes));
        }
    }

    private static Set<String> packs(Path packDir) {
        try (Stream<Path> files = Files.list(packDir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pack"))
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
