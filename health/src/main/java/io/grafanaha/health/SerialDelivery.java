package io.grafanaha.health;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Hands events to a consumer in the order they were queued, one thread at a time, never while the
 * producer's lock is held. The producer {@linkplain #queue queues} under its lock, which fixes the order,
 * and calls {@link #deliver()} once it has released the lock. If another thread is already delivering,
 * that thread delivers these events too, after its own; so a consumer may call back into the producer,
 * even from another thread, without deadlock, and events still arrive in order.
 *
 * <p>The price: when two threads change state at once, one may return before its events are delivered.
 *
 * @param <E> the event type
 */
public final class SerialDelivery<E> {

    private final Queue<E> queued = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean delivering = new AtomicBoolean();
    private final Consumer<E> consumer;

    public SerialDelivery(Consumer<E> consumer) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
    }

    /** Queues {@code event}; call under the lock that decides the events' order. */
    public void queue(E event) {
        queued.add(Objects.requireNonNull(event, "event"));
    }

    /** Delivers everything queued, in order, unless another thread is at it. Call without holding the lock. */
    public void deliver() {
        // Re-check after letting go: an event queued while this thread was finishing found the flag
        // still set and left its delivery to this thread.
        while (!queued.isEmpty() && delivering.compareAndSet(false, true)) {
            try {
                for (E event = queued.poll(); event != null; event = queued.poll()) {
                    consumer.accept(event);
                }
            } finally {
                delivering.set(false);
            }
        }
    }
}
