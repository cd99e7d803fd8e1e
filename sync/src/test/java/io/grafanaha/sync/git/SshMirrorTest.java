package io.grafanaha.sync.git;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.sync.RemoteRepo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UploadPack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror against an Apache MINA sshd server on loopback that serves one bare repository with JGit's
 * UploadPack/ReceivePack and accepts exactly one public key.
 */
class SshMirrorTest {
    private static final String PATH = "/org/grafana-manifests.git";

    @TempDir Path tmp;
    RemoteRepo remote;
    KeyPair userKey;
    Path keyFile;
    SshServer server;
    int port;
    final ExecutorService commands = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-ssh-git");
        t.setDaemon(true);
        return t;
    });

    @BeforeEach
    void setUp() throws Exception {
        remote = RemoteRepo.create(tmp.resolve("remote"));
        userKey = rsa();
        keyFile = writeKey(tmp.resolve("keys/id_rsa"), userKey);
        server = startServer(0, rsa());
        port = server.getPort();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.stop(true);
        }
        commands.shutdownNow();
        remote.close();
    }

    private String url() {
        return "ssh://git@127.0.0.1:" + port + PATH;
    }

    private String displayUrl() {
        return "ssh://127.0.0.1:" + port + PATH;
    }

    private GitMirror mirror(String dir, Path key) throws IOException {
        return GitMirror.open(tmp.resolve(dir), new GitSource(url(), "main", new GitCredentials.SshKey(key)),
                Duration.ofSeconds(10));
    }

    @Test
    void clonesFetchesAndPushesOverSshWithTheKeyAndRemembersTheHostKey() throws Exception {
        ObjectId first = remote.write("shared/a.json", "{}").commitAndPush("first");
        Path knownHosts = tmp.resolve("data/ssh/known_hosts");
        try (GitMirror mirror = mirror("data", keyFile)) {
            assertThat(knownHosts).doesNotExist();
            FetchResult r1 = mirror.fetch();
            assertThat(r1).isInstanceOf(FetchResult.Updated.class);
            assertThat(r1.head().orElseThrow().id()).isEqualTo(first);
            assertThat(Files.readString(knownHosts)).startsWith("[127.0.0.1]:" + port + " ssh-rsa ");

            ObjectId second = remote.write("shared/a.json", "{\"v\":2}").commitAndPush("second");
            assertThat(mirror.fetch()).isInstanceOfSatisfying(FetchResult.Updated.class,
                    u -> assertThat(u.current().id()).isEqualTo(second));
            assertThat(mirror.fetch()).isInstanceOf(FetchResult.UpToDate.class);
            assertThat(Files.readAllLines(knownHosts)).hasSize(1);

            // The write-back's push path: a Transport configured by the same GitTransports.configure.
            ObjectId third = emptyCommitOn(mirror.repository(), second);
            try (Transport transport = Transport.open(mirror.repository(), new URIish(url()))) {
                GitTransports.configure(transport, mirror.source().credentials(), mirror.transportDir());
                RemoteRefUpdate update = new RemoteRefUpdate(mirror.repository(), third.name(), "refs/heads/main",
                        false, null, second);
                PushResult result = transport.push(NullProgressMonitor.INSTANCE, List.of(update));
                assertThat(result.getRemoteUpdate("refs/heads/main").getStatus())
                        .isEqualTo(RemoteRefUpdate.Status.OK);
            }
            try (Repository bare = new FileRepositoryBuilder().setGitDir(remote.bareDirectory().toFile()).build()) {
                assertThat(bare.exactRef("refs/heads/main").getObjectId()).isEqualTo(third);
            }
        }
    }

    @Test
    void anScpLikeUrlWorksWithTheHostAliasedInTheDataDirsSshConfig() throws Exception {
        ObjectId first = remote.write("shared/a.json", "{}").commitAndPush("first");
        Path sshDir = Files.createDirectories(tmp.resolve("data/ssh"));
        Files.writeString(sshDir.resolve("config"),
                "Host gitserver\n  HostName 127.0.0.1\n  Port " + port + "\n");
        GitSource source = new GitSource("git@gitserver:org/grafana-manifests.git", "main",
                new GitCredentials.SshKey(keyFile));
        try (GitMirror mirror = GitMirror.open(tmp.resolve("data"), source, Duration.ofSeconds(10))) {
            assertThat(mirror.fetch().head().orElseThrow().id()).isEqualTo(first);
            assertThat(Files.readString(sshDir.resolve("known_hosts"))).startsWith("[127.0.0.1]:" + port + " ");
        }
    }

    @Test
    void anEd25519KeyAndHostKeyWorkToo() throws Exception {
        ObjectId first = remote.write("shared/a.json", "{}").commitAndPush("first");
        server.stop(true);
        userKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        Path edKey = writeKey(tmp.resolve("keys/id_ed25519"), userKey);
        assertThat(Files.readString(edKey)).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
        server = startServer(0, KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256));
        port = server.getPort();
        try (GitMirror mirror = mirror("data", edKey)) {
            assertThat(mirror.fetch().head().orElseThrow().id()).isEqualTo(first);
            assertThat(Files.readString(tmp.resolve("data/ssh/known_hosts")))
                    .startsWith("[127.0.0.1]:" + port + " ssh-ed25519 ");
        }
    }

    @Test
    void aKeyTheServerDoesNotAcceptIsRefusedNamingTheKeyFileAndTheRepository() throws Exception {
        remote.write("shared/a.json", "{}").commitAndPush("first");
        Path wrong = writeKey(tmp.resolve("keys/wrong"), rsa());
        try (GitMirror mirror = mirror("data", wrong)) {
            FetchResult r = mirror.fetch();
            assertThat(r).isInstanceOfSatisfying(FetchResult.Failed.class, f -> assertThat(f.error())
                    .contains(displayUrl(), wrong.toAbsolutePath().toString())
                    .doesNotContain("git@"));
            assertThat(r.head()).isEmpty();
        }
    }

    @Test
    void aMissingOrUnreadableKeyFileIsNamed() throws Exception {
        remote.write("shared/a.json", "{}").commitAndPush("first");
        Path missing = tmp.resolve("keys/missing");
        try (GitMirror mirror = mirror("data", missing)) {
            assertThat(mirror.fetch()).isInstanceOfSatisfying(FetchResult.Failed.class, f -> assertThat(f.error())
                    .contains(displayUrl(), missing.toAbsolutePath().toString(), "does not exist"));
        }
        Path garbage = tmp.resolve("keys/garbage");
        Files.writeString(garbage, "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n");
        try (GitMirror mirror = mirror("data2", garbage)) {
            assertThat(mirror.fetch()).isInstanceOfSatisfying(FetchResult.Failed.class, f -> assertThat(f.error())
                    .contains(displayUrl(), garbage.toAbsolutePath().toString(), "not a usable private key"));
        }
    }

    @Test
    void aChangedHostKeyIsRefusedNamingTheHostAndTheHeadIsKept() throws Exception {
        ObjectId first = remote.write("shared/a.json", "{}").commitAndPush("first");
        try (GitMirror mirror = mirror("data", keyFile)) {
            assertThat(mirror.fetch().head().orElseThrow().id()).isEqualTo(first);
            String pinned = Files.readString(tmp.resolve("data/ssh/known_hosts"));

            server.stop(true);
            server = startServer(port, rsa());

            FetchResult r = mirror.fetch();
            assertThat(r).isInstanceOfSatisfying(FetchResult.Failed.class, f -> assertThat(f.error())
                    .contains("[127.0.0.1]:" + port, "changed", displayUrl(), keyFile.toAbsolutePath().toString()));
            assertThat(r.head().orElseThrow().id()).isEqualTo(first);
            assertThat(Files.readString(tmp.resolve("data/ssh/known_hosts"))).isEqualTo(pinned);
        }
    }

    // --- fixtures ---

    private static KeyPair rsa() throws NoSuchAlgorithmException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static Path writeKey(Path file, KeyPair pair) throws Exception {
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "test", null, out);
        }
        return file;
    }

    private static ObjectId emptyCommitOn(Repository repo, ObjectId parent) throws IOException {
        try (RevWalk walk = new RevWalk(repo); ObjectInserter ins = repo.newObjectInserter()) {
            RevCommit p = walk.parseCommit(parent);
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(p.getTree());
            cb.setParentId(p);
            PersonIdent who = new PersonIdent("test", "test@example.invalid");
            cb.setAuthor(who);
            cb.setCommitter(who);
            cb.setMessage("pushed over ssh");
            ObjectId id = ins.insert(cb);
            ins.flush();
            return id;
        }
    }

    private SshServer startServer(int bindPort, KeyPair hostKey) throws IOException {
        SshServer s = SshServer.setUpDefaultServer();
        s.setHost("127.0.0.1");
        s.setPort(bindPort);
        s.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        s.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, userKey.getPublic()));
        s.setPasswordAuthenticator(null);
        s.setKeyboardInteractiveAuthenticator(null);
        s.setCommandFactory((channel, command) -> new GitCommand(command));
        s.start();
        return s;
    }

    /** {@code git-upload-pack '<path>'} / {@code git-receive-pack '<path>'} on the one bare repository. */
    private final class GitCommand implements Command {
        private final String command;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;

        GitCommand(String command) {
            this.command = command;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) {
            commands.execute(this::run);
        }

        private void run() {
            String[] parts = command.split(" ", 2);
            String path = parts.length == 2 ? parts[1].replace("'", "").replace("\"", "") : "";
            if (!path.equals(PATH) && !path.equals(PATH.substring(1))) {
                fail("no such repository: " + path);
                return;
            }
            try (Repository repo = new FileRepositoryBuilder().setGitDir(remote.bareDirectory().toFile())
                    .setMustExist(true).build()) {
                switch (parts[0]) {
                    case "git-upload-pack" -> new UploadPack(repo).upload(in, out, err);
                    case "git-receive-pack" -> new ReceivePack(repo).receive(in, out, err);
                    default -> {
                        fail("unknown command: " + command);
                        return;
                    }
                }
                out.flush();
                exit.onExit(0);
            } catch (IOException | RuntimeException e) {
                fail(e.toString());
            }
        }

        private void fail(String message) {
            try {
                err.write((message + "\n").getBytes(StandardCharsets.UTF_8));
                err.flush();
            } catch (IOException ignored) {
                // the client went away
            }
            exit.onExit(1, message);
        }

        @Override
        public void destroy(ChannelSession channel) {}
    }
}
