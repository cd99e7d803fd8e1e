package io.grafanaha.sync.grafana;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One backend's reads of many items, at most {@code limit} at once on a shared executor (the caller's): up to
 * {@code limit} tasks each take the next item until none is left or one failed. No pool per call, and a backend never
 * gets more than {@code limit} of one call's reads in flight, however many threads the executor has.
 */
final class ParallelReads {
    private final String backend;
    private final int limit;
    private final Executor executor;

    /** One read of one item. */
    @FunctionalInterface
    interface Read<T, R> {
        R apply(T item) throws GrafanaApiException;
    }

    ParallelReads(String backend, int limit, Executor executor) {
        if (limit < 1) {
            throw new IllegalArgumentException("readConcurrency must be >= 1, got " + limit);
        }
        this.backend = Objects.requireNonNull(backend, "backend");
        this.limit = limit;
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * {@code read} on every item; results in the items' order.
     *
     * @throws GrafanaApiException the first failure seen (the other tasks stop taking items), or one naming
     *     {@code what} for anything else that went wrong
     */
    <T, R> List<R> map(List<T> items, String what, Read<T, R> read) throws GrafanaApiException {
        if (items.size() <= 1) {
            List<R> out = new ArrayList<>();
            for (T item : items) {
                out.add(read.apply(item));
            }
            return out;
        }
        AtomicReferenceArray<R> results = new AtomicReferenceArray<>(items.size());
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> tasks = new ArrayList<>();
        for (int w = 0; w < Math.min(limit, items.size()); w++) {
            tasks.add(CompletableFuture.runAsync(() -> {
                for (int i = next.getAndIncrement(); i < items.size(); i = next.getAndIncrement()) {
                    try {
                        results.set(i, read.apply(items.get(i)));
                    } catch (GrafanaApiException e) {
                        next.set(items.size());
                        throw new CompletionException(e);
                    }
                }
            }, executor));
        }
        try {
            CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof GrafanaApiException g) {
                throw g;
            }
            throw new GrafanaApiException(backend, what, e.getCause());
        }
        List<R> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            out.add(results.get(i));
        }
        return out;
    }
}
