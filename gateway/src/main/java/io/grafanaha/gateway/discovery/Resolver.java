package io.grafanaha.gateway.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/**
 * The DNS questions discovery asks. {@link JndiResolver} asks the system's name servers on every call (no JVM cache:
 * pods come and go faster than {@code networkaddress.cache.ttl}); tests give their own answers.
 */
public interface Resolver {

    /** The A and AAAA records of {@code host}; empty when the name exists with none (or does not exist). */
    List<InetAddress> addresses(String host) throws IOException;

    /** The SRV records of {@code name}; empty when there are none. */
    List<SrvRecord> srv(String name) throws IOException;

    /** One SRV record: a target host and port. */
    record SrvRecord(int priority, int weight, int port, String target) {}
}
