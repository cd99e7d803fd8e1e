package io.grafanaha.testkit.faults;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/** Toxiproxy's {@code host:port} strings, including {@code [::1]:port} and {@code :port}. */
final class Addresses {

    private Addresses() {
    }

    static InetSocketAddress parse(String hostPort, String what) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new ApiException(400, what + " must be host:port, not " + hostPort);
        }
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ApiException(400, what + " has no valid port: " + hostPort);
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    static String format(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
