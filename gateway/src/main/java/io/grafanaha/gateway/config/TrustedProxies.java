package io.grafanaha.gateway.config;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code proxy.trusted-proxies}: the networks (CIDRs) of proxies in front of the gateway whose
 * {@code X-Forwarded-*} headers are believed. Everyone else's are replaced, so no client can choose the
 * address Grafana logs and rate-limits sign-ins by. Matching uses Netty's {@link IpSubnetFilterRule}.
 */
public final class TrustedProxies {
    /** Trusts nobody: the default. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of());

    private final List<String> cidrs;
    private final List<IpSubnetFilterRule> rules;

    private TrustedProxies(List<String> cidrs, List<IpSubnetFilterRule> rules) {
        this.cidrs = List.copyOf(cidrs);
        this.rules = List.copyOf(rules);
    }

    /** The networks, or the first one that is not a CIDR ({@code 10.0.0.0/8}, {@code fd00::/8}, or one address). */
    static Result parse(List<String> values) {
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String value : values) {
            Optional<IpSubnetFilterRule> rule = rule(value.trim());
            if (rule.isEmpty()) {
                return new Result(NONE, Optional.of(value));
            }
            rules.add(rule.get());
        }
        return new Result(new TrustedProxies(values.stream().map(String::trim).toList(), rules), Optional.empty());
    }

    /** Trusts these networks; throws {@link IllegalArgumentException} for one that is not a CIDR. */
    public static TrustedProxies of(String... cidrs) {
        Result r = parse(List.of(cidrs));
        r.invalid().ifPresent(v -> {
            throw new IllegalArgumentException("not an address or network: " + v);
        });
        return r.proxies();
    }

    /** What {@link #parse} made of the values, or the value it could not read. */
    record Result(TrustedProxies proxies, Optional<String> invalid) {}

    private static Optional<IpSubnetFilterRule> rule(String cidr) {
        int slash = cidr.indexOf('/');
        String address = slash < 0 ? cidr : cidr.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) {
            return Optional.empty(); // not an IP literal: never a host name, which would need DNS
        }
        int max = bytes.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (prefix < 0 || prefix > max) {
            return Optional.empty();
        }
        return Optional.of(new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT));
    }

    /** Whether {@code address} is one of the trusted proxies. */
    public boolean trusts(InetAddress address) {
        if (address == null || rules.isEmpty()) {
            return false;
        }
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(socket)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the address written in a header (an IP literal, possibly with a port) is a trusted proxy. */
    public boolean trusts(String address) {
        InetAddress parsed = literal(address);
        return parsed != null && trusts(parsed);
    }

    private static InetAddress literal(String text) {
        String s = text.trim();
        if (s.startsWith("[") && s.contains("]")) {
            s = s.substring(1, s.indexOf(']'));
        } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            s = s.substring(0, s.indexOf(':')); // IPv4 with a port
        }
        return NetUtil.createInetAddressFromIpAddressString(s);
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrustedProxies other && other.cidrs.equals(cidrs);
    }

    @Override
    public int hashCode() {
        return cidrs.hashCode();
    }

    @Override
    public String toString() {
        return cidrs.toString();
    }
}
