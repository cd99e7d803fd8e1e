package io.grafanaha.gateway.app;

import io.grafanaha.gateway.demo.Rig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the end-to-end tests of editing through the gateway start: a {@link Rig} whose repository's
 * {@code shared/team-a/} holds the given dashboard files, and a load-balancing gateway with sync and write-back.
 */
final class EditingRig {
    /** A classic dashboard file, pretty-printed as people write them. */
    static final String CPU = """
            {
              "uid": "cpu",
              "title": "CPU",
              "tags": [],
              "schemaVersion": 39,
              "panels": []
            }
            """;

    private EditingRig() {}

    /** cpu.json ({@link #CPU}) and mem.json, the same with "Memory". */
    static Map<String, String> cpuAndMemory() {
        return Map.of("cpu.json", CPU, "mem.json", CPU.replace("cpu", "mem").replace("CPU", "Memory"));
    }

    /**
     * {@code files} (file name → content) in {@code shared/team-a/}; a load-balancing gateway that checks every
     * 200 ms (1 s timeout, rise and fall 1), sets the affinity cookie {@code gw} and syncs {@code shared/} with
     * write-back at the given interval and poll interval.
     */
    static Rig start(Path dir, Map<String, String> files, String syncInterval, String pollInterval) {
        Map<String, String> seed = new TreeMap<>();
        files.forEach((name, content) -> seed.put("team-a/" + name, content));
        return Rig.builder(dir).seedFiles(seed).mode("load-balance")
                .settings(Rig.FAST_HEALTH + """
                        routing:
                          sticky-cookie: gw
                        """)
                .syncSettings("interval: " + syncInterval + "\npoll-interval: " + pollInterval)
                .start();
    }

    /** A request to the gateway on {@code port} as a browser session: pinned to {@code backend}, signed in. */
    static HttpRequest.Builder request(int port, String backend, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .header("Cookie", "gw=" + backend)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes()));
    }
}
