package io.grafanaha.gateway.config;

import java.net.InetSocketAddress;

/** An address to listen on; port 0 asks the system for a free port. */
public record HostPort(String host, int port) {
    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
