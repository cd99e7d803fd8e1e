package io.grafanaha.testkit.faults;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.EventLoopGroup;

/** The proxies of one {@link FaultProxyServer}, by name, in creation order. */
final class ProxyRegistry {

    private final EventLoopGroup group;
    private final Map<String, FaultyProxy> proxies = new LinkedHashMap<>();
    private final AtomicLong toxicIds = new AtomicLong();

    ProxyRegistry(EventLoopGroup group) {
        this.group = group;
    }

    synchronized FaultyProxy create(String name, String listen, String upstream, boolean enabled) {
        if (proxies.containsKey(name)) {
            throw new ApiException(409, "proxy already exists");
        }
        FaultyProxy proxy = new FaultyProxy(name, listen, upstream, group);
        Addresses.parse(upstream, "upstream of proxy " + name);
        if (enabled) {
            proxy.start();
        }
        proxies.put(name, proxy);
        return proxy;
    }

    synchronized FaultyProxy get(String name) {
        FaultyProxy proxy = proxies.get(name);
        if (proxy == null) {
            throw new ApiException(404, "proxy not found");
        }
        return proxy;
    }

    synchronized List<FaultyProxy> all() {
        return List.copyOf(proxies.values());
    }

    synchronized void delete(String name) {
        get(name).stop();
        proxies.remove(name);
    }

    /** Toxiproxy's {@code POST /reset}: every proxy enabled again and every toxic gone. */
    synchronized void reset() {
        for (FaultyProxy proxy : proxies.values()) {
            proxy.removeAllToxics();
            proxy.start();
        }
    }

    synchronized void deleteAll() {
        proxies.values().forEach(FaultyProxy::stop);
        proxies.clear();
    }

    long nextToxicId() {
        return toxicIds.incrementAndGet();
    }
}
