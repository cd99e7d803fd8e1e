package io.grafanaha.testkit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@link PacedLoad} CSV, the moments the script broke and repaired the primary, and the
 * gateway's {@code /api/status} at the end; prints one tab-separated row of failover figures
 * ({@code --header} prints the column names; {@code --median LABEL FILE} reduces a file of rows). Times are milliseconds; -1 means "did not happen".
 *
 * <p>Columns: requests; failed (no 200); failed once the replica had served; replica serves (fault to
 * the first 200 from the replica, as the client saw it); detection (fault to the gateway's failover
 * event); base p99 (latency of the GETs sent 3 s to 0.5 s before the fault: the noise floor of the
 * box); fault max and over 1 s (the GETs sent from 1 s before the fault until the repair); failback (repair to the failback event, and to the
 * first 200 from the primary); up-to-failback (the primary's "up" event to failback: the hold); and
 * early (200s from the primary between failover and failback: must be 0).
 */
public final class FailoverReport {
    static final String HEADER = "run\trequests\tfailed\tfailed_after_replica\treplica_serves_ms\tdetection_ms"
            + "\tbase_p99_ms\tfault_max_ms\tover_1s\tfailback_event_ms\tfirst_primary_200_ms\tup_to_failback_ms\tearly";

    private record Row(long startMs, double latencyMs, int status, String servedBy) {
        double endMs() {
            return startMs + latencyMs;
        }
    }

    private FailoverReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("--header")) {
            System.out.println(HEADER);
            return;
        }
        if (args.length == 3 && args[0].equals("--median")) {
            System.out.println(median(args[1], Files.readAllLines(Path.of(args[2]))));
            return;
        }
        Map<String, String> a = Args.parse(args, "run", "csv", "status", "fault-ms", "repair-ms", "primary", "replica");
        long fault = Long.parseLong(a.get("fault-ms"));
        long repair = Long.parseLong(a.get("repair-ms"));
        String primary = a.get("primary");
        String replica = a.get("replica");
        List<Row> rows = Files.readAllLines(Path.of(a.get("csv"))).stream().skip(1).map(line -> {
            String[] f = line.split(",", -1);
            return new Row(Long.parseLong(f[0]) / 1000, Long.parseLong(f[1]) / 1000.0, Integer.parseInt(f[2]), f[3]);
        }).toList();
        JsonNode events = new ObjectMapper().readTree(Path.of(a.get("status")).toFile()).path("events");

        long failover = eventAt(events, "failover", primary, fault);
        long failback = eventAt(events, "failback", primary, repair);
        long up = -1;
        for (JsonNode e : events) {
            long at = Instant.parse(e.get("at").asText()).toEpochMilli();
            if (e.path("type").asText().equals("up") && e.path("backend").asText().equals(primary)
                    && at >= repair && (failback < 0 || at <= failback)) {
                up = at;
            }
        }
        double replicaServes = rows.stream().filter(r -> r.status() == 200 && r.servedBy().equals(replica) && r.startMs() >= fault)
                .mapToDouble(Row::endMs).min().orElse(Double.NaN);
        double firstPrimary = rows.stream().filter(r -> r.status() == 200 && r.servedBy().equals(primary) && r.startMs() >= repair)
                .mapToDouble(Row::endMs).min().orElse(Double.NaN);
        long failed = rows.stream().filter(r -> r.status() != 200).count();
        long failedAfter = rows.stream().filter(r -> r.status() != 200 && r.endMs() > replicaServes).count();
        double[] base = rows.stream().filter(r -> r.startMs() >= fault - 3000 && r.startMs() < fault - 500)
                .mapToDouble(Row::latencyMs).sorted().toArray();
        double baseP99 = base.length == 0 ? Double.NaN : base[(int) Math.ceil(base.length * 0.99) - 1];
        List<Row> faultWindow = rows.stream().filter(r -> r.startMs() >= fault - 1000 && r.startMs() < repair).toList();
        double maxLatency = faultWindow.stream().mapToDouble(Row::latencyMs).max().orElse(0);
        long over1s = faultWindow.stream().filter(r -> r.latencyMs() > 1000).count();
        long early = failover < 0 ? 0 : rows.stream().filter(r -> r.status() == 200 && r.servedBy().equals(primary)
                && r.startMs() > failover + 50 && (failback < 0 || r.endMs() < failback)).count();

        System.out.println(String.join("\t", a.get("run"), String.valueOf(rows.size()), String.valueOf(failed),
                String.valueOf(failedAfter), ms(replicaServes - fault), ms(failover < 0 ? Double.NaN : failover - fault),
                ms(baseP99), ms(maxLatency), String.valueOf(over1s), ms(failback < 0 ? Double.NaN : failback - repair),
                ms(firstPrimary - repair), ms(up < 0 || failback < 0 ? Double.NaN : failback - up), String.valueOf(early)));
    }

    /** Rows of one run label (first column) reduced to their per-column median (the lower one for an even count). */
    static String median(String label, List<String> lines) {
        List<String[]> rows = lines.stream().map(l -> l.split("\t")).filter(f -> f[0].equals(label)).toList();
        if (rows.isEmpty()) {
            return label + "\t(no runs)";
        }
        StringBuilder out = new StringBuilder(label + " (median of " + rows.size() + ")");
        for (int c = 1; c < rows.get(0).length; c++) {
            int column = c;
            long[] values = rows.stream().mapToLong(f -> Long.parseLong(f[column])).sorted().toArray();
            out.append('\t').append(values[(values.length - 1) / 2]);
        }
        return out.toString();
    }

    /** The first event of {@code type} away from (failover) or back to (failback) {@code primary} at or after {@code after}. */
    private static long eventAt(JsonNode events, String type, String primary, long after) {
        for (JsonNode e : events) {
            long at = Instant.parse(e.get("at").asText()).toEpochMilli();
            String side = type.equals("failover") ? e.path("from").asText() : e.path("to").asText();
            if (e.path("type").asText().equals(type) && side.equals(primary) && at >= after) {
                return at;
            }
        }
        return -1;
    }

    private static String ms(double value) {
        return Double.isNaN(value) ? "-1" : String.valueOf(Math.round(value));
    }
}
