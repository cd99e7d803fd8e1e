package io.grafanaha.gateway.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the heap the JVM started with. G1 gives back heap that is more than {@code MaxHeapFreeRatio} (70 %) free at the
 * end of a marking cycle, and the gateway's first one comes early, when class loading fills the metadata space: with
 * {@code -Xmx256m} the heap went from 256 MB to 47 MB a second and a half after start and never grew back (G1 grows it
 * only when collections take more than about 8 % of the time). A proxy then collects its young objects three times a
 * second at 35,000 requests a second, and each pause of 2 to 7 ms stalls every connection in flight: those pauses were
 * the gateway's p99 above HAProxy's (bench/README, "The heap G1 gave back").
 *
 * <p>{@code MaxHeapFreeRatio} is one of the JVM's manageable flags, so the gateway sets it to 100 (never shrink) before
 * anything else runs, unless the command line chose a value. The heap still starts at the JVM's initial size
 * ({@code -Xms}, else a 64th of the memory, at most {@code -Xmx}).
 */
final class HeapKeep {
    private static final Logger log = LoggerFactory.getLogger(HeapKeep.class);
    static final String FLAG = "MaxHeapFreeRatio";

    private HeapKeep() {}

    static void keepTheHeap() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (shouldSet(vm.getVMOption(FLAG))) {
                vm.setVMOption(FLAG, "100");
            }
        } catch (RuntimeException | LinkageError e) { // another JVM, or a runtime image without jdk.management
            log.debug("could not keep the heap from shrinking: {}", e.toString());
        }
    }

    /** Only the JVM's default is replaced: a value from the command line or the environment is the operator's. */
    static boolean shouldSet(VMOption option) {
        return option.getOrigin() == VMOption.Origin.DEFAULT && option.isWriteable();
    }
}
