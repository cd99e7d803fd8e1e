package io.grafanaha.gateway.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A client address as text, kept per thread while the same address asks again: {@code getHostAddress} builds a new
 * String each time, and a request needs its client's text twice (the headers to the backend and the access log), from
 * the same address as the request before it on a keep-alive connection, or from many behind one NAT or proxy.
 */
final class AddressText {
    private static final FastThreadLocal<AddressText> LAST = new FastThreadLocal<>();

    private final InetAddress address;
    private final String text;

    private AddressText(InetAddress address, String text) {
        this.address = address;
        this.text = text;
    }

    /** The peer's address as {@code getHostAddress} writes it, or its host string when it is unresolved. */
    static String of(InetSocketAddress peer) {
        InetAddress address = peer.getAddress();
        if (address == null) {
            return peer.getHostString();
        }
        AddressText last = LAST.get();
        // An IPv6 address's text carries its scope, which equals() ignores: only the same object may reuse it.
        boolean same = last != null
                && (last.address == address || address instanceof Inet4Address && address.equals(last.address));
        if (!same) {
            last = new AddressText(address, address.getHostAddress());
            LAST.set(last);
        }
        return last.text;
    }
}
