package io.grafanaha.gateway.cli;

import io.grafanaha.gateway.config.HostPort;
import java.io.IOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;

/**
 * The addresses a command listens on, by the setting that names them, so a start that fails to bind can say which
 * address is taken instead of printing a stack trace. Netty rethrows the JDK's checked {@link BindException} without
 * the address, so which listener failed is found by binding each address again once everything has stopped.
 */
record Listeners(List<Listener> all) {
    /** One listening address and the setting (or option) it comes from. */
    record Listener(String setting, HostPort address) {}

    Listeners {
        all = List.copyOf(all);
    }

    static Listeners of(String setting, HostPort address, String otherSetting, HostPort otherAddress) {
        return new Listeners(List.of(new Listener(setting, address), new Listener(otherSetting, otherAddress)));
    }

    /** The line to print when {@code failure} is a failed bind, naming the address (and setting) at fault. */
    Optional<String> explain(Throwable failure) {
        if (!isBindFailure(failure)) {
            return Optional.empty();
        }
        for (Listener listener : all) {
            Optional<String> problem = tryBind(listener.address());
            if (problem.isPresent()) {
                return Optional.of("cannot listen on " + listener.address() + " (" + listener.setting() + "): " + problem.get());
            }
        }
        return Optional.of("cannot listen on " + all.stream().map(l -> l.address().toString()).toList() + ": " + rootMessage(failure));
    }

    private static boolean isBindFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (t instanceof BindException || message.contains("address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static Optional<String> tryBind(HostPort address) {
        if (address.port() == 0) {
            return Optional.empty();
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(address.toSocketAddress());
            return Optional.empty();
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            return Optional.of(message.toLowerCase(java.util.Locale.ROOT).contains("already in use")
                    ? "the address is already in use (another gateway, demo or program listens there)" : message);
        }
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }
}
