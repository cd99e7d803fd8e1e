package io.grafanaha.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.core.ContextBase;
import io.grafanaha.gateway.config.AccessLogConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollingFileSinkTest {
    @TempDir
    Path dir;

    private List<String> rolled() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("access\\.log\\.\\d{4}-\\d{2}-\\d{2}\\.0\\.gz")).toList();
        }
    }

    @Test
    void aFilePastMaxFileSizeRollsIntoTheDatedCompressedNameAndWritingGoesOn() throws Exception {
        Path file = dir.resolve("access.log");
        RollingFileSink sink = new RollingFileSink(new ContextBase(),
                new AccessLogConfig(true, AccessLogConfig.Format.JSON, Optional.of(file), 1.0, "1KB", 2));
        byte[] batch = ("x".repeat(599) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            sink.write(batch, batch.length);
            sink.write(batch, batch.length);
            assertThat(Files.size(file)).isEqualTo(1200); // each batch is in the file once written, no buffering left
            assertThat(rolled()).isEmpty();

            sink.write(batch, batch.length); // past 1 KB: this batch starts a new file

            await().atMost(Duration.ofSeconds(10)).until(() -> rolled().size() == 1);
            assertThat(Files.size(file)).isEqualTo(600);
        } finally {
            sink.close();
        }
    }
}
