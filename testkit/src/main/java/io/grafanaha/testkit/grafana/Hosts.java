package io.grafanaha.testkit.grafana;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/** Host-name extraction as Go does it: ports dropped, IPv6 brackets removed, case kept. */
final class Hosts {
    private Hosts() {
    }

    /** {@code util.SplitHostPortDefault(r.Host)}: "h", "h:p", "[v6]", "[v6]:p". */
    static Optional<String> hostOfHostHeader(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                return Optional.empty();
            }
            String rest = host.substring(end + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                return Optional.empty();
            }
            return Optional.of(host.substring(1, end));
        }
        int colon = host.indexOf(':');
        if (colon >= 0 && host.indexOf(':', colon + 1) >= 0) {
            return Optional.empty(); // "too many colons"
        }
        return Optional.of(colon < 0 ? host : host.substring(0, colon));
    }

    /** {@code url.Parse(origin).Hostname()}; empty Optional only when the text does not parse at all. */
    static Optional<String> hostOfOrigin(String origin) {
        try {
            URI uri = new URI(origin);
            String authority = uri.getRawAuthority();
            if (authority == null) {
                return Optional.of("");
            }
            int at = authority.lastIndexOf('@');
            return hostOfHostHeader(at < 0 ? authority : authority.substring(at + 1));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
