package io.grafanaha.gateway.cli;

import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The program: {@code java -jar grafana-ha-gateway.jar <command>}. */
@Command(
        name = "grafana-ha-gateway",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A front door for highly available Grafana: reverse proxy, failover, and Git sync.",
        subcommands = {RunCommand.class, CheckCommand.class, SyncCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Netty's setting for its buffer leak reports, as on its own command line. */
    static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        quietLeakDetection();
        lighterBufferBookkeeping();
        System.exit(commandLine().execute(args));
    }

    /**
     * Netty by default tracks one buffer in 128 for leak reports, taking a stack trace for each: 1 to 2 % of the
     * proxy's CPU per request (bench/README, "Leak detection"). The test suite keeps Netty's default, and that is where
     * leaks are found; a running gateway does without, unless {@code -Dio.netty.leakDetection.level} asks for it.
     */
    static void quietLeakDetection() {
        if (System.getProperty(LEAK_DETECTION) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /**
     * Two of Netty's per-buffer costs that a proxy pays on every request, set before Netty reads them (at the first
     * pooled buffer), each unless the JVM was told otherwise (bench/README, "Buffer bookkeeping"):
     * <ul>
     *   <li>{@code io.netty.trackPinnedMemory=false}: the pooled allocator otherwise adds each buffer's size to a
     *       shared counter at allocation and takes it off at release, about 2 % of the gateway's CPU samples on the
     *       2 KB keep-alive benchmark, for {@code PooledByteBufAllocator.pinnedDirectMemory()}, which nothing here
     *       reads.</li>
     *   <li>{@code io.netty.recycler.chunkSize=128}: each thread keeps up to this many recycled buffer and write
     *       objects at hand (Netty: 32). A pass of an event loop that frees more than 32 sent the rest to a shared
     *       queue, each after asking whether its owning thread had ended ({@code Thread.getState}): 1.1 % of the
     *       samples with a new connection per request, 0.06 % with 128.</li>
     * </ul>
     */
    static void lighterBufferBookkeeping() {
        setUnlessSet("io.netty.trackPinnedMemory", "false");
        setUnlessSet("io.netty.recycler.chunkSize", "128");
    }

    private static void setUnlessSet(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** The command line with its exit codes: 2 for a usage or configuration error, as picocli does. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
