package io.grafanaha.testkit.grafana;

import java.util.Map;
import java.util.Optional;
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

    Optional<RecordedRequest> last() {
        return Optional.ofNullable(last.get());
    }

    AtomicInteger openWebSockets() {
        return openWebSockets;
    }
}
