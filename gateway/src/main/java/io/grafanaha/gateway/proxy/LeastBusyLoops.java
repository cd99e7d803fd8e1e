package io.grafanaha.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The proxy's event loops, where an accepted client connection goes to the loop with the fewest connections open, not
 * to the next one in turn.
 *
 * <p>One loop accepts every connection of a listener and then serves its share of them, so with a new connection per
 * request it did more work than the other: 60 % of the event loops' CPU samples under {@code wrk -H 'Connection:
 * close'}, the accepting loop saturated while the other had time to spare (bench/README, "Connections to the least
 * busy loop"). The accepting loop's connections finish later, so it has more of them open, and new ones go elsewhere
 * until the loops even out. Long-lived connections spread as evenly as in turn. HAProxy hands an accepted connection
 * to its least loaded thread the same way ({@code tune.listener.multi-queue}, on by default).
 *
 * <p>Listening sockets are placed the same way but not counted (they serve no requests); channels registered on one
 * loop directly (backend connections, on their client's loop) are not counted either.
 */
final class LeastBusyLoops extends MultiThreadIoEventLoopGroup {
    private final List<EventLoop> loops = new ArrayList<>();
    private final AtomicIntegerArray open;
    private final AtomicInteger turn = new AtomicInteger();

    /**
     * The loops' threads are {@code event-loop-<group>-<n>}: a name that says what they are in a thread dump, in
     * {@code top -H} (whose 15 characters it fits) and to {@code bench/alloc.sh}, which sums their allocation. Netty's
     * default names them after this class.
     */
    LeastBusyLoops(int threads, IoHandlerFactory ioHandlerFactory) {
        super(threads, new DefaultThreadFactory("event-loop"), ioHandlerFactory);
        for (EventExecutor loop : this) {
            loops.add((EventLoop) loop);
        }
        open = new AtomicIntegerArray(loops.size());
    }

    @Override
    public ChannelFuture register(Channel channel) {
        int chosen = leastBusy();
        if (channel instanceof ServerChannel) {
            return loops.get(chosen).register(channel); // it serves no requests: keep-alive clients still split evenly
        }
        open.incrementAndGet(chosen);
        channel.closeFuture().addListener(f -> open.decrementAndGet(chosen));
        return loops.get(chosen).register(channel);
    }

    /** The loop with the fewest connections open; a tie goes to each loop in turn. */
    private int leastBusy() {
        int n = loops.size();
        int start = Math.floorMod(turn.getAndIncrement(), n);
        int best = start;
        for (int k = 1; k < n; k++) {
            int i = (start + k) % n;
            if (open.get(i) < open.get(best)) {
                best = i;
            }
        }
        return best;
    }

    /** Connections registered through the group and still open, per loop in the group's order. */
    int[] openPerLoop() {
        int[] counts = new int[open.length()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = open.get(i);
        }
        return counts;
    }

    List<EventLoop> loops() {
        return List.copyOf(loops);
    }
}
