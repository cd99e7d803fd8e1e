package io.grafanaha.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialDeliveryTest {

    private final ExecutorService other = Executors.newSingleThreadExecutor();
    private final List<String> delivered = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        other.shutdownNow();
    }

    @Test
    void eventsQueuedWhileAnotherThreadDeliversAreDeliveredByThatThreadAfterItsOwn() {
        AtomicReference<SerialDelivery<String>> delivery = new AtomicReference<>();
        delivery.set(new SerialDelivery<>(event -> {
            delivered.add(event + " on " + Thread.currentThread().getName());
            if (event.equals("first")) {
                // Returns at once (else this times out): this thread is delivering and takes "second" along.
                CompletableFuture.runAsync(() -> {
                    delivery.get().queue("second");
                    delivery.get().deliver();
                }, other).orTimeout(5, TimeUnit.SECONDS).join();
            }
        }));
        String me = Thread.currentThread().getName();

        delivery.get().queue("first");
        delivery.get().deliver();

        assertThat(delivered).containsExactly("first on " + me, "second on " + me);
    }

    @Test
    void aConsumerThatCausesMoreEventsGetsThemAfterTheOnesAlreadyQueued() {
        AtomicReference<SerialDelivery<String>> delivery = new AtomicReference<>();
        delivery.set(new SerialDelivery<>(event -> {
            delivered.add(event);
            if (event.equals("1")) {
                delivery.get().queue("3");
                delivery.get().deliver();
            }
        }));

        delivery.get().queue("1");
        delivery.get().queue("2");
        delivery.get().deliver();

        assertThat(delivered).containsExactly("1", "2", "3");
    }
}
