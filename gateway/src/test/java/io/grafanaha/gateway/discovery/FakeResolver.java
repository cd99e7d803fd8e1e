package io.grafanaha.gateway.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** DNS answers a test sets; a name set to fail throws like a timed-out lookup. */
final class FakeResolver implements Resolver {
    final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
    final Map<String, List<SrvRecord>> srv = new ConcurrentHashMap<>();
    volatile boolean failing;

    @Override
    public List<InetAddress> addresses(String host) throws IOException {
        if (failing) {
            throw new IOException("DNS A " + host + ": timed out");
        }
        return addresses.getOrDefault(host, List.of());
    }

    @Override
    public List<SrvRecord> srv(String name) throws IOException {
        if (failing) {
            throw new IOException("DNS SRV " + name + ": timed out");
        }
        return srv.getOrDefault(name, List.of());
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
