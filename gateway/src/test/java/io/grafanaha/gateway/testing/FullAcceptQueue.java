package io.grafanaha.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend that has stopped accepting, like a SIGSTOPped Grafana: a listening socket with a backlog of 1
 * that never calls {@code accept()}, whose queue is filled here, so the kernel answers no further SYN and a
 * new connection neither succeeds nor fails until the connecting side gives up.
 */
public final class FullAcceptQueue implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    public FullAcceptQueue() {
        try {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            // Linux queues backlog + 1 connections; keep connecting until one gets no SYN-ACK.
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 300);
                    fillers.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return;
                }
            }
            throw new IllegalStateException("the accept queue of port " + server.getLocalPort() + " never filled");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        for (Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
