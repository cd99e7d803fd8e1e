package io.grafanaha.testkit.faults;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * One direction of one proxied connection: bytes read from {@code source} run through the toxics of this
 * direction, in the order they were added, and are written to {@code destination} when due. Runs only on the
 * connection's event loop, so it needs no locks.
 */
final class ToxicPipe {

    /** Bytes held in timers before reading from the source pauses, so a slow toxic cannot exhaust memory. */
    private static final long MAX_HELD_BYTES = 1 << 20;

    private final ToxicStream stream;
    private final ProxyConnection connection;
    private final Channel source;
    private final Channel destination;
    private final Map<Long, ToxicBehaviour> behaviours = new HashMap<>();
    private long lastDueNanos = Long.MIN_VALUE;
    private int heldSegments;
    private long heldBytes;
    private boolean ended;

    ToxicPipe(ToxicStream stream, ProxyConnection connection, Channel source, Channel destination) {
        this.stream = stream;
        this.connection = connection;
        this.source = source;
        this.destination = destination;
    }

    /** Brings the per-connection toxic state in line with the proxy's toxics after one was added or removed. */
    void refresh(List<Toxic> toxics) {
        behaviours.keySet().removeIf(id -> toxics.stream().noneMatch(t -> t.id() == id));
        for (Toxic toxic : toxics) {
            if (toxic.stream() == stream) {
                behaviour(toxic);
            }
        }
    }

    void onRead(ByteBuf data) {
        run(Segment.data(System.nanoTime(), data));
        updateAutoRead();
    }

    void onSourceClosed() {
        run(Segment.close(System.nanoTime()));
    }

    /** Reads from the source only while the destination and the timers can take more. */
    void updateAutoRead() {
        if (source.isActive()) {
            source.config().setAutoRead(destination.isWritable() && heldBytes < MAX_HELD_BYTES);
        }
    }

    private void run(Segment first) {
        if (ended) {
            first.discard();
            return;
        }
        List<Segment> segments = List.of(first);
        for (Toxic toxic : connection.toxics()) {
            if (toxic.stream() == stream) {
                segments = behaviour(toxic).apply(toxic, segments);
            }
        }
        segments.forEach(this::emit);
    }

    private ToxicBehaviour behaviour(Toxic toxic) {
        return behaviours.computeIfAbsent(toxic.id(), id -> {
            if (ThreadLocalRandom.current().nextDouble() >= toxic.toxicity()) {
                return new ToxicBehaviour.Inactive();
            }
            if (toxic.type() == ToxicType.TIMEOUT && toxic.attribute("timeout") > 0) {
                // Toxiproxy's timer starts when the toxic meets the connection, not when data arrives.
                destination.eventLoop().schedule(() -> {
                    if (behaviours.containsKey(id)) {
                        connection.close();
                    }
                }, toxic.attribute("timeout"), MILLISECONDS);
            }
            return ToxicBehaviour.of(toxic.type());
        });
    }

    private void emit(Segment segment) {
        if (ended) {
            segment.discard();
            return;
        }
        long due = Math.max(segment.dueNanos(), lastDueNanos);
        lastDueNanos = due;
        if (!segment.isData()) {
            ended = true;
        }
        long delay = due - System.nanoTime();
        if (delay <= 0 && heldSegments == 0) {
            perform(segment);
            return;
        }
        // Timers due at the same instant run in submission order, so delayed bytes keep their order.
        int bytes = segment.isData() ? segment.data().readableBytes() : 0;
        heldSegments++;
        heldBytes += bytes;
        destination.eventLoop().schedule(() -> {
            heldSegments--;
            heldBytes -= bytes;
            perform(segment);
            updateAutoRead();
        }, Math.max(0, delay), NANOSECONDS);
    }

    private void perform(Segment segment) {
        switch (segment.action()) {
            case DATA -> {
                if (destination.isActive()) {
                    destination.writeAndFlush(segment.data(), destination.voidPromise());
                } else {
                    segment.discard();
                }
            }
            case CLOSE -> connection.close();
            case RESET -> connection.reset();
        }
    }
}
