package io.grafanaha.gateway.proxy;

import java.util.concurrent.CompletableFuture;

/**
 * Answers one local request. Called on an event loop: return quickly and complete the future
 * whenever the work is done, on any thread. A future that fails becomes a 500.
 */
@FunctionalInterface
public interface LocalHandler {
    CompletableFuture<LocalResponse> handle(LocalRequest request);
}
