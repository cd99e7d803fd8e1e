package io.grafanaha.sync.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trust on first use for ssh host keys, in one OpenSSH-format {@code known_hosts} file under the data directory
 * (never the user's {@code ~/.ssh}).
 *
 * <p>The first time a host ({@code host}, or {@code [host]:port} for a port other than 22, exactly as OpenSSH writes
 * it) is contacted its key is accepted and appended to the file. From then on the host must present one of the keys
 * recorded for it; any other key is refused with {@link HostKeyChangedException} naming the host and both
 * fingerprints. To accept a new key on purpose (the server was reinstalled), delete the host's line from the file.
 * Hashed ({@code |1|...}) and marker ({@code @revoked}, {@code @cert-authority}) lines written by hand are ignored.
 */
final class TofuKnownHosts implements ServerKeyDatabase {
    private static final Logger LOG = LoggerFactory.getLogger(TofuKnownHosts.class);
    /** One lock for all instances: the sync's and the write-back's transports may write the same file. */
    private static final Object LOCK = new Object();

    private final Path file;

    TofuKnownHosts(Path file) {
        this.file = file;
    }

    /** Thrown from the host key check when a known host presents a different key. */
    static final class HostKeyChangedException extends RuntimeException {
        HostKeyChangedException(String message) {
            super(message);
        }
    }

    @Override
    public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
        synchronized (LOCK) {
            return known(connectAddress);
        }
    }

    @Override
    public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey,
            Configuration config, CredentialsProvider provider) {
        synchronized (LOCK) {
            List<PublicKey> known = known(connectAddress);
            for (PublicKey k : known) {
                if (KeyUtils.compareKeys(k, serverKey)) {
                    return true;
                }
            }
            if (!known.isEmpty()) {
                String message = "the ssh host key of " + connectAddress + " changed: it presented "
                        + KeyUtils.getFingerPrint(serverKey) + ", but " + file + " holds "
                        + KeyUtils.getFingerPrint(known.get(0))
                        + " (if the server's key was replaced on purpose, delete its line from " + file + ")";
                throw new HostKeyChangedException(message);
            }
            try {
                Files.createDirectories(file.getParent());
                String line = connectAddress + " " + PublicKeyEntry.toString(serverKey) + "\n";
                Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot record the ssh host key of " + connectAddress + " in " + file
                        + ": " + e.getMessage(), e);
            }
            LOG.info("first contact with ssh host {}: trusting its key {} from now on (recorded in {})",
                    connectAddress, KeyUtils.getFingerPrint(serverKey), file);
            return true;
        }
    }

    private List<PublicKey> known(String connectAddress) {
        List<PublicKey> keys = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return keys;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("@") || line.startsWith("|")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            if (fields.length < 3 || !Arrays.asList(fields[0].split(",")).contains(connectAddress)) {
                continue;
            }
            try {
                PublicKey key = PublicKeyEntry.parsePublicKeyEntry(fields[1] + " " + fields[2])
                        .resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING);
                if (key != null) {
                    keys.add(key);
                }
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                LOG.warn("ignoring an unreadable line for {} in {}: {}", connectAddress, file, e.toString());
            }
        }
        return keys;
    }
}
