package io.grafanaha.gateway.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * DNS through the JDK's own DNS client (JNDI, {@code java.naming}): the name servers of {@code /etc/resolv.conf},
 * asked afresh each time. No dependency beyond the JDK, and no JVM address cache in the way.
 */
public final class JndiResolver implements Resolver {
    /** {@code host:port} of the name server to ask, or null for the system's. */
    private final String server;

    /** Asks the system's name servers. */
    public JndiResolver() {
        this(null);
    }

    /** Asks the name server at {@code server} ({@code host:port}) only: tests run one on loopback. */
    public JndiResolver(String server) {
        this.server = server;
    }

    @Override
    public List<InetAddress> addresses(String host) throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (String type : new String[] {"A", "AAAA"}) {
            for (String value : records(host, type)) {
                // A literal address: getByName parses it without asking DNS again.
                out.add(InetAddress.getByName(value));
            }
        }
        return out;
    }

    @Override
    public List<SrvRecord> srv(String name) throws IOException {
        List<SrvRecord> out = new ArrayList<>();
        for (String value : records(name, "SRV")) {
            String[] parts = value.trim().split("\\s+");
            if (parts.length == 4) {
                String target = parts[3].endsWith(".") ? parts[3].substring(0, parts[3].length() - 1) : parts[3];
                out.add(new SrvRecord(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), target));
            }
        }
        return out;
    }

    private List<String> records(String name, String type) throws IOException {
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("com.sun.jndi.dns.timeout.initial", "1000");
        env.put("com.sun.jndi.dns.timeout.retries", "2");
        DirContext context = null;
        try {
            if (server != null) {
                env.put("java.naming.provider.url", "dns://" + server);
            }
            context = new InitialDirContext(env);
            Attributes attributes = context.getAttributes(server == null ? "dns:///" + name : name, new String[] {type});
            Attribute attribute = attributes.get(type);
            List<String> out = new ArrayList<>();
            if (attribute != null) {
                NamingEnumeration<?> values = attribute.getAll();
                while (values.hasMore()) {
                    out.add(String.valueOf(values.next()));
                }
            }
            return out;
        } catch (NameNotFoundException e) {
            return List.of();
        } catch (NamingException e) {
            throw new IOException("DNS " + type + " " + name + ": " + e.getMessage(), e);
        } finally {
            if (context != null) {
                try {
                    context.close();
                } catch (NamingException ignored) {
                    // nothing held that matters
                }
            }
        }
    }
}
