package io.grafanaha.health;

import io.grafanaha.health.check.CheckResult;
import io.grafanaha.health.check.Probe;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A probe whose answers the test sets per host: {@link #pass}, {@link #fail}, or {@link #hold} (the
 * check stays in flight until {@link #complete}).
 */
public final class ScriptedProbe implements Probe {

    private final Map<String, CheckResult> answers = new ConcurrentHashMap<>();
    private final Map<String, Deque<CompletableFuture<CheckResult>>> held = new ConcurrentHashMap<>();
    private final List<URI> calls = new ArrayList<>();
    private volatile boolean holding;

    /** Backends are named after their host in these tests: http://a/ is backend "a". */
    public static Backend backend(String name, Role role) {
        return new Backend(name, URI.create("http://" + name + ":3000"), role);
    }

    public ScriptedProbe pass(String host) {
        answers.put(host, CheckResult.pass(200, Duration.ofMillis(3)));
        return this;
    }

    public ScriptedProbe fail(String host) {
        answers.put(host, CheckResult.fail(503, Duration.ofMillis(4), "HTTP 503, database failing"));
        return this;
    }

    public ScriptedProbe answer(String host, CheckResult result) {
        answers.put(host, result);
        return this;
    }

    public void hold(boolean on) {
        holding = on;
    }

    public void complete(String host, CheckResult result) {
        held.get(host).removeFirst().complete(result);
    }

    @Override
    public synchronized CompletionStage<CheckResult> check(URI url, Duration timeout) {
        calls.add(url);
        if (holding) {
            CompletableFuture<CheckResult> f = new CompletableFuture<>();
            held.computeIfAbsent(url.getHost(), h -> new ArrayDeque<>()).addLast(f);
            return f;
        }
        CheckResult r = answers.getOrDefault(url.getHost(),
                CheckResult.fail(0, Duration.ZERO, "connection refused"));
        return CompletableFuture.completedFuture(r);
    }

    public synchronized long callsTo(String host) {
        return calls.stream().filter(u -> u.getHost().equals(host)).count();
    }

    public synchronized List<URI> calls() {
        return List.copyOf(calls);
    }
}
