package io.grafanaha.testkit.faults;

import static java.util.concurrent.TimeUnit.MICROSECONDS;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.buffer.ByteBuf;

/**
 * What one toxic does to one direction of one connection. Instances keep that connection's state (bytes let
 * through, when the link is next free) and run only on the connection's event loop.
 */
sealed interface ToxicBehaviour {

    /** Rewrites the segments that reach this toxic; the toxic's current attributes are passed every time. */
    List<Segment> apply(Toxic toxic, List<Segment> in);

    static ToxicBehaviour of(ToxicType type) {
        return switch (type) {
            case LATENCY -> new Latency();
            case BANDWIDTH -> new Bandwidth();
            case SLOW_CLOSE -> new SlowClose();
            case TIMEOUT -> new Timeout();
            case RESET_PEER -> new ResetPeer();
            case SLICER -> new Slicer();
            case LIMIT_DATA -> new LimitData();
        };
    }

    /** A toxic that lost its toxicity roll for this connection: Toxiproxy decides once per connection. */
    record Inactive() implements ToxicBehaviour {
        @Override
        public List<Segment> apply(Toxic toxic, List<Segment> in) {
            return in;
        }
    }

    final class Latency implements ToxicBehaviour {
        @Override
        public List<Segment> apply(Toxic toxic, List<Segment> in) {
            long jitter = toxic.attribute("jitter");
            List<Segment> out = new ArrayList<>(in.size());
            for (Segment segment : in) {
                long delayMs = toxic.attribute("latency")
                        + (jitter > 0 ? ThreadLocalRandom.current().nextLong(-jitter, jitter + 1) : 0);
                out.add(segment.isData() ? segment.delayedBy(MILLISECONDS.toNanos(Math.max(0, delayMs))) : segment);
            }
            return out;
        }
    }

    /** Sends at most {@code rate} KB/s, in slices of 100 ms worth of data as Toxiproxy does. */
    final class Bandwidth implements ToxicBehaviour {
        private long linkFreeAtNanos = Long.MIN_VALUE;

        @Override
        public List<Segment> apply(Toxic toxic, List<Segment> in) {
            long rateKbPerSecond = toxic.attribute("rate");
            if (rateKbPerSecond <= 0) {
                return in;
            }
            int sliceBytes = (int) Math.max(1, Math.min(Integer.MAX_VALUE, rateKbPerSecond * 100));
            List<Segment> out = new ArrayList<>();
            for (Segment segment : in) {
                if (!segment.isData()) {
                    out.add(new Segment(segment.action(), Math.max(segment.dueNanos(), linkFreeAtNanos), null));
                    continue;
                }
                for (ByteBuf slice : slices(segment.data(), sliceBytes, 0)) {
                    long start = Math.max(segment.dueNanos(), linkFreeAtNanos);
                    // rate KB/s = rate bytes per ms, so a slice takes bytes/rate ms.
                    linkFreeAtNanos = start + MILLISECONDS.toNanos(1) * slice.readableBytes() / rateKbPerSecond;
                    out.add(Segment.data(linkFreeAtNanos, slice));
                }
            }
            return out;
        }
    }

    final class SlowClose implements ToxicBehaviour {
        @Override
        public List<Segment> apply(Toxic toxic, List<Segment> in) {
            long delay = MILLISECONDS.toNanos(toxic.attribute("delay"));
            return in.stream().map(s -> s.action() == Segment.Action.CLOSE ? s.delayedBy(delay) : s).toList();
        }
    }

    /**
     * Drops all data; with a non-zero timeout the connection also closes that long after the toxic met it
     * (the timer itself lives in {@link ProxyConnection}, which owns the connection).
     */
    final class Timeout implements ToxicBehaviour {
        @Override
        public List<Segment> apply(Toxic toxic, List<Segment> in) {
            List<Segment> out = new ArrayList<>();
            for (Segment segment : in) {
                if (segment.isData()) {
                    segment.discard();
                } else {
                    out.add(segment);
                }
            }
            return out;
        }
    }

    /** On the first data, waits {@code timeout} ms and then resets the connection with a TCP RST. */
    final class ResetPeer implements ToxicBehaviour {
        private boolean triggered;

        @Override
        public List<Segment> apply(Toxic toxic, List<Segment> in) {
            List<Segment> out = new ArrayList<>();
            for (Segment segment : in) {
                if (triggered) {
                    segment.discard();
                } else if (segment.isData()) {
                    segment.discard();
                    triggered = true;
                    out.add(Segment.reset(segment.dueNanos() + MILLISECONDS.toNanos(toxic.attribute("timeout"))));
                } else {
                    out.add(segment);
                }
            }
            return out;
        }
    }

    /** Cuts data into pieces of about {@code average_size} bytes, {@code delay} microseconds apart. */
    final class Slicer implements ToxicBehaviour {
        @Override
        public List<Segment> apply(Toxic toxic, List<Segment> in) {
            int average = (int) toxic.attribute("average_size");
            if (average <= 0) {
                return in;
            }
            int variation = (int) Math.min(toxic.attribute("size_variation"), average - 1L);
            long delay = MICROSECONDS.toNanos(toxic.attribute("delay"));
            List<Segment> out = new ArrayList<>();
            for (Segment segment : in) {
                if (!segment.isData()) {
                    out.add(segment);
                    continue;
                }
                long due = segment.dueNanos();
                for (ByteBuf slice : slices(segment.data(), average, variation)) {
                    out.add(Segment.data(due, slice));
                    due += delay;
                }
            }
            return out;
        }
    }

    /** Lets {@code bytes} bytes through in this direction, then closes the connection. */
    final class LimitData implements ToxicBehaviour {
        private long passed;
        private boolean closed;

        @Override
        public List<Segment> apply(Toxic toxic, List<Segment> in) {
            long limit = toxic.attribute("bytes");
            List<Segment> out = new ArrayList<>();
            for (Segment segment : in) {
                if (closed) {
                    segment.discard();
                    continue;
                }
                if (segment.isData()) {
                    long allowed = limit - passed;
                    int readable = segment.data().readableBytes();
                    if (allowed >= readable) {
                        passed += readable;
                        out.add(segment);
                    } else {
                        if (allowed > 0) {
                            out.add(Segment.data(segment.dueNanos(), segment.data().readRetainedSlice((int) allowed)));
                            passed += allowed;
                        }
                        segment.discard();
                    }
                    // Like Toxiproxy, close as soon as the budget is spent, not on the next read.
                    if (passed >= limit) {
                        out.add(Segment.close(segment.dueNanos()));
                        closed = true;
                    }
                } else {
                    out.add(segment);
                    closed = true;
                }
            }
            return out;
        }
    }

    /** Splits a buffer (taking ownership) into slices of {@code size ± variation} bytes. */
    private static List<ByteBuf> slices(ByteBuf data, int size, int variation) {
        List<ByteBuf> slices = new ArrayList<>();
        if (data.readableBytes() <= size - variation) {
            slices.add(data);
            return slices;
        }
        while (data.isReadable()) {
            int length = variation > 0 ? size + ThreadLocalRandom.current().nextInt(-variation, variation + 1) : size;
            slices.add(data.readRetainedSlice(Math.min(Math.max(1, length), data.readableBytes())));
        }
        data.release();
        return slices;
    }
}
