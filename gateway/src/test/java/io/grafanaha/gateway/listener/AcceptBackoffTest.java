package io.grafanaha.gateway.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AcceptBackoffTest {
    private final AcceptBackoff backoff = new AcceptBackoff("listen");
    private final EmbeddedChannel server = new EmbeddedChannel(backoff);

    private void acceptFails() {
        server.pipeline().fireExceptionCaught(new IOException("Too many open files"));
    }

    private void after(long millis) {
        server.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
    }

    @Test
    void aFailedAcceptPausesAcceptingInsteadOfRetryingAtOnce() {
        acceptFails();

        assertThat(server.config().isAutoRead()).isFalse();
        after(AcceptBackoff.FIRST_PAUSE_MILLIS);
        assertThat(server.config().isAutoRead()).isTrue();
    }

    @Test
    void thePauseDoublesWhileAcceptKeepsFailingUpToOneSecondAndResetsOnSuccess() {
        acceptFails();
        after(10);
        acceptFails();
        after(10);
        assertThat(server.config().isAutoRead()).as("the second pause is 20 ms").isFalse();
        after(10);
        assertThat(server.config().isAutoRead()).isTrue();
        for (int i = 0; i < 20; i++) {
            acceptFails();
            after(AcceptBackoff.LONGEST_PAUSE_MILLIS);
        }
        assertThat(backoff.nextPauseMillis()).isEqualTo(AcceptBackoff.LONGEST_PAUSE_MILLIS);

        server.writeInbound("an accepted connection");

        assertThat(backoff.nextPauseMillis()).isEqualTo(AcceptBackoff.FIRST_PAUSE_MILLIS);
        assertThat(server.config().isAutoRead()).isTrue();
    }

    @Test
    void failuresDuringAPauseDoNotLengthenIt() {
        acceptFails();
        acceptFails();
        acceptFails();

        assertThat(backoff.nextPauseMillis()).isEqualTo(2 * AcceptBackoff.FIRST_PAUSE_MILLIS);
    }
}
