package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** Counters tests read to see what reached this instance; updated from event-loop threads. */
final class RequestStats {
    private final AtomicLong total = new AtomicLong();
    private final Map<String, LongAdder> perPath = new ConcurrentHashMap<>();
    private final AtomicReference<RecordedRequest> last = new AtomicReference<>();
    private final AtomicInteger openWebSockets = new AtomicInteger();

    void record(RecordedRequest request) {
        total.incrementAndGet();
        perPath.computeIfAbsent(request.path(), k -> new LongAdder()).increment();
        last.set(request);
    }

    long total() {
        return total.get();
    }

    long count(String path) {
        LongAdder adder = perPath.get(path);
        return adder == null ? 0 : adder.sum();
    }

    /** {@code {"total":N,"byPath":{"/api/...":N}}}, paths sorted, for {@code GET /_emulator/requests}. */
    ObjectNode snapshot() {
        ObjectNode out = Json.object().put("total", total.get());
        ObjectNode byPath = out.putObject("byPath");
        new TreeMap<>(perPath).forEach((path, n) -> byPath.put(path, n.sum()));
        return out;
    }

    Optional<RecordedRequest> last() {
        return Optional.ofNullable(last.get());
    }

    AtomicInteger openWebSockets() {
        return openWebSockets;
    }
}
