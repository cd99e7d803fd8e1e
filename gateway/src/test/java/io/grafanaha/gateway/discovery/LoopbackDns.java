package io.grafanaha.gateway.discovery;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A name server on loopback UDP that answers A, AAAA and SRV questions from what a test put in, enough for the
 * JDK's DNS client: one question per query, answers with a pointer to the question's name, TTL 0. A name it
 * does not know gets NXDOMAIN.
 */
final class LoopbackDns implements AutoCloseable {
    private static final int A = 1;
    private static final int AAAA = 28;
    private static final int SRV = 33;

    final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
    final Map<String, List<Resolver.SrvRecord>> srv = new ConcurrentHashMap<>();
    private final DatagramSocket socket;
    private final Thread thread;

    LoopbackDns() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::serve, "loopback-dns");
        thread.setDaemon(true);
        thread.start();
    }

    /** {@code 127.0.0.1:port}, for {@link JndiResolver#JndiResolver(String)}. */
    String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            try {
                DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                socket.receive(query);
                byte[] answer = answer(ByteBuffer.wrap(query.getData(), 0, query.getLength()));
                socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
            } catch (java.io.IOException e) {
                return; // closed
            }
        }
    }

    private byte[] answer(ByteBuffer q) {
        int id = q.getShort() & 0xffff;
        q.position(12);
        int questionStart = q.position();
        StringBuilder name = new StringBuilder();
        for (int len = q.get() & 0xff; len > 0; len = q.get() & 0xff) {
            byte[] label = new byte[len];
            q.get(label);
            name.append(name.isEmpty() ? "" : ".").append(new String(label, StandardCharsets.US_ASCII));
        }
        int type = q.getShort() & 0xffff;
        q.getShort(); // class IN
        byte[] question = java.util.Arrays.copyOfRange(q.array(), questionStart, q.position());
        String host = name.toString().toLowerCase(java.util.Locale.ROOT);
        boolean known = addresses.containsKey(host) || srv.containsKey(host);

        ByteArrayOutputStream records = new ByteArrayOutputStream();
        int count = 0;
        if (type == A || type == AAAA) {
            for (InetAddress a : addresses.getOrDefault(host, List.of())) {
                byte[] raw = a.getAddress();
                if ((type == A) == (raw.length == 4)) {
                    record(records, type, raw);
                    count++;
                }
            }
        } else if (type == SRV) {
            for (Resolver.SrvRecord r : srv.getOrDefault(host, List.of())) {
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                data.writeBytes(ByteBuffer.allocate(6).putShort((short) r.priority()).putShort((short) r.weight())
                        .putShort((short) r.port()).array());
                for (String label : r.target().split("\\.")) {
                    data.write(label.length());
                    data.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
                }
                data.write(0);
                record(records, type, data.toByteArray());
                count++;
            }
        }
        ByteBuffer header = ByteBuffer.allocate(12).putShort((short) id)
                .putShort((short) (0x8180 | (known ? 0 : 3))) // response, recursion desired and available; NXDOMAIN
                .putShort((short) 1).putShort((short) count).putShort((short) 0).putShort((short) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header.array());
        out.writeBytes(question);
        out.writeBytes(records.toByteArray());
        return out.toByteArray();
    }

    private static void record(ByteArrayOutputStream out, int type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(12).putShort((short) 0xc00c).putShort((short) type).putShort((short) 1)
                .putInt(0).putShort((short) data.length).array());
        out.writeBytes(data);
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(1000);
    }
}
