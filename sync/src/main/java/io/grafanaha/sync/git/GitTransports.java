package io.grafanaha.sync.git;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * The one place that turns {@link GitCredentials} into transport settings, for the mirror's fetches and the
 * write-back's pushes alike.
 *
 * <ul>
 *   <li>{@link GitCredentials.Token}: Basic authentication with the token as password.
 *   <li>{@link GitCredentials.SshKey}: JGit's Apache MINA sshd transport with the key file as the only identity,
 *       public-key authentication only, and {@code <dir>/ssh} as home and ssh directory (never the user's
 *       {@code ~/.ssh}; an OpenSSH {@code config} file placed there is honoured). Host keys are trusted on first use
 *       and pinned in {@code <dir>/ssh/known_hosts} ({@link TofuKnownHosts}).
 * </ul>
 *
 * {@code dir} is the gateway's data directory: the sync and the write-back pass the same one, so they share one
 * {@code known_hosts}.
 */
public final class GitTransports {
    /** One session factory per (ssh directory, key file), kept for the life of the process. */
    private static final Map<List<Path>, SshdSessionFactory> FACTORIES = new ConcurrentHashMap<>();

    private GitTransports() {}

    /** The directory holding {@code known_hosts} for transports configured with {@code dir}. */
    public static Path sshDirectory(Path dir) {
        return dir.resolve("ssh").toAbsolutePath().normalize();
    }

    /**
     * Configures a fetch, clone, ls-remote or push command.
     *
     * @throws IOException when an ssh key file does not exist or cannot be read; the message names the file
     */
    public static void configure(TransportCommand<?, ?> command, GitCredentials credentials, Path dir)
            throws IOException {
        if (credentials instanceof GitCredentials.Token t) {
            command.setCredentialsProvider(new UsernamePasswordCredentialsProvider(t.username(), t.token()));
        } else if (credentials instanceof GitCredentials.SshKey k) {
            SshdSessionFactory factory = sshFactory(k, dir);
            command.setTransportConfigCallback(transport -> {
                if (transport instanceof SshTransport ssh) {
                    ssh.setSshSessionFactory(factory);
                }
            });
        }
    }

    /**
     * Configures a transport opened directly ({@link Transport#open}).
     *
     * @throws IOException when an ssh key file does not exist or cannot be read; the message names the file
     */
    public static void configure(Transport transport, GitCredentials credentials, Path dir) throws IOException {
        if (credentials instanceof GitCredentials.Token t) {
            transport.setCredentialsProvider(new UsernamePasswordCredentialsProvider(t.username(), t.token()));
        } else if (credentials instanceof GitCredentials.SshKey k) {
            SshdSessionFactory factory = sshFactory(k, dir);
            if (transport instanceof SshTransport ssh) {
                ssh.setSshSessionFactory(factory);
            }
        }
    }

    /**
     * Parses the key file once before connecting: JGit skips a key it cannot read and then only reports that the
     * login failed, which hides the actual problem.
     */
    private static void checkPrivateKey(Path keyFile) throws IOException {
        Iterable<KeyPair> keys;
        try (InputStream in = Files.newInputStream(keyFile)) {
            keys = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(keyFile.toString()), in, null);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IOException("ssh key file " + keyFile + " is not a usable private key (expected an unencrypted"
                    + " OpenSSH or PEM private key): " + e.getMessage(), e);
        }
        if (keys == null || !keys.iterator().hasNext()) {
            throw new IOException("ssh key file " + keyFile + " holds no private key");
        }
    }

    private static SshdSessionFactory sshFactory(GitCredentials.SshKey key, Path dir) throws IOException {
        Path keyFile = key.keyFile().toAbsolutePath().normalize();
        if (!Files.exists(keyFile)) {
            throw new IOException("ssh key file " + keyFile + " does not exist");
        }
        if (!Files.isRegularFile(keyFile) || !Files.isReadable(keyFile)) {
            throw new IOException("ssh key file " + keyFile + " is not a readable file");
        }
        checkPrivateKey(keyFile);
        Path sshDir = sshDirectory(dir);
        Files.createDirectories(sshDir);
        return FACTORIES.computeIfAbsent(List.of(sshDir, keyFile), k -> {
            File home = sshDir.toFile();
            return new SshdSessionFactoryBuilder()
                    .setHomeDirectory(home)
                    .setSshDirectory(home)
                    .setPreferredAuthentications("publickey")
                    .setDefaultIdentities(ignored -> List.of(keyFile))
                    .setDefaultKnownHostsFiles(ignored -> List.of(sshDir.resolve("known_hosts")))
                    .setServerKeyDatabase((h, s) -> new TofuKnownHosts(sshDir.resolve("known_hosts")))
                    // No key cache: a replaced key file is read again on the next connection.
                    .build(null);
        });
    }
}
