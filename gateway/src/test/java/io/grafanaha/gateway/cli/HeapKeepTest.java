package io.grafanaha.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.VMOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HeapKeepTest {
    private static final long INITIAL = 128L << 20;

    /** A JVM that starts with a 128 MB heap, mostly empty, collects it whole and prints what it still holds. */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("keep")) {
            HeapKeep.keepTheHeap();
        }
        System.gc();
        System.out.println(Runtime.getRuntime().totalMemory());
    }

    private static long heapAfterCollection(String... args) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-XX:+UseG1GC",
                "-XX:InitialHeapSize=" + INITIAL, "-Xmx256m", "-cp", System.getProperty("java.class.path")));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        return Long.parseLong(out.substring(out.lastIndexOf('\n') + 1));
    }

    @Test
    void theGatewayKeepsTheHeapItStartedWithWhereTheJvmWouldGiveItBack() throws Exception {
        assertThat(heapAfterCollection(HeapKeepTest.class.getName())).isLessThan(INITIAL / 2);
        assertThat(heapAfterCollection(HeapKeepTest.class.getName(), "keep")).isGreaterThanOrEqualTo(INITIAL);
        assertThat(heapAfterCollection("-XX:MaxHeapFreeRatio=70", HeapKeepTest.class.getName(), "keep"))
                .as("a value on the command line is the operator's").isLessThan(INITIAL / 2);
    }

    @Test
    void onlyTheJvmsDefaultIsReplaced() {
        assertThat(HeapKeep.shouldSet(new VMOption(HeapKeep.FLAG, "70", true, VMOption.Origin.DEFAULT))).isTrue();
        assertThat(HeapKeep.shouldSet(new VMOption(HeapKeep.FLAG, "70", true, VMOption.Origin.VM_CREATION))).isFalse();
        assertThat(HeapKeep.shouldSet(new VMOption(HeapKeep.FLAG, "70", true, VMOption.Origin.ENVIRON_VAR))).isFalse();
    }
}
