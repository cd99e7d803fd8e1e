package io.grafanaha.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.grafanaha.gateway.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsConfigTest {
    private static final String MINIMAL = """
            listen: 127.0.0.1:8080
            admin:
              listen: 127.0.0.1:9090
            mode: failover
            backends:
              - name: a
                url: http://127.0.0.1:3000
                role: primary
            """;

    @TempDir
    Path dir;

    private static List<String> problems(String yaml) {
        try {
            new ConfigLoader(Map.of()).parse(yaml, "test.yaml");
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
    }

    private static String tls(Path cert, Path key) {
        return MINIMAL + "tls:\n  cert-file: " + cert + "\n  key-file: " + key + "\n";
    }

    @Test
    void aGoodPairTurnsTlsOnWithTheDefaultReloadInterval() throws Exception {
        TestCertificates.Pair pair = TestCertificates.create(dir, "gateway");

        GatewayConfig config = new ConfigLoader(Map.of()).parse(tls(pair.certFile(), pair.keyFile()), "test.yaml");

        assertThat(config.tls()).contains(new TlsConfig(pair.certFile(), pair.keyFile(), Duration.ofSeconds(5)));
        assertThat(new ConfigLoader(Map.of()).parse(MINIMAL, "test.yaml").tls()).isEmpty();
    }

    @Test
    void checkNamesTheKeyAndWhyForMissingMismatchedAndNonPkcs8Files() throws Exception {
        TestCertificates.Pair pair = TestCertificates.create(dir, "gateway");
        TestCertificates.Pair other = TestCertificates.create(Files.createDirectories(dir.resolve("o")), "other");
        Path sec1 = dir.resolve("sec1.key");
        TestCertificates.run(dir, "openssl", "ec", "-in", pair.keyFile().toString(), "-out", sec1.toString());

        assertThat(problems(tls(dir.resolve("missing.crt"), pair.keyFile())))
                .containsExactly("tls.cert-file (line 10): " + dir.resolve("missing.crt") + ": no such file");
        assertThat(problems(tls(pair.certFile(), other.keyFile())))
                .containsExactly("tls.key-file (line 11): " + other.keyFile()
                        + ": this key does not belong to the first certificate in the certificate file");
        assertThat(problems(tls(pair.certFile(), sec1))).singleElement().asString()
                .startsWith("tls.key-file (line 11): " + sec1 + ": a EC key is not PKCS#8");
        assertThat(problems(tls(pair.keyFile(), pair.keyFile()))).singleElement().asString()
                .startsWith("tls.cert-file (line 10): ");
    }

    @Test
    void aBackendCaFileIsReadByCheckAndOnlyAllowedForHttps() throws Exception {
        TestCertificates.Pair pair = TestCertificates.create(dir, "grafana");
        String https = MINIMAL.replace("url: http://127.0.0.1:3000", "url: https://127.0.0.1:3000");

        GatewayConfig config = new ConfigLoader(Map.of()).parse(https + "    ca-file: " + pair.certFile() + "\n", "test.yaml");

        assertThat(config.backends().get(0).caFile()).contains(pair.certFile());
        assertThat(problems(https + "    ca-file: " + pair.keyFile() + "\n")).singleElement().asString()
                .startsWith("backends[0].ca-file (line 9): " + pair.keyFile() + ": not a PEM certificate file");
        assertThat(problems(MINIMAL + "    ca-file: " + pair.certFile() + "\n"))
                .containsExactly("backends[0].ca-file (line 9): is for https backends, but url is http://");
    }

    @Test
    void aBackendClientCertificateIsReadByCheckNeedsBothFilesAndOnlyHttps() throws Exception {
        TestCertificates.Pair client = TestCertificates.create(dir, "gateway-client");
        TestCertificates.Pair other = TestCertificates.create(Files.createDirectories(dir.resolve("o")), "other");
        String https = MINIMAL.replace("url: http://127.0.0.1:3000", "url: https://127.0.0.1:3000");
        String both = "    client-cert-file: " + client.certFile() + "\n    client-key-file: " + client.keyFile() + "\n";

        GatewayConfig config = new ConfigLoader(Map.of()).parse(https + both, "test.yaml");

        assertThat(config.backends().get(0).clientCert())
                .contains(new BackendConfig.ClientCert(client.certFile(), client.keyFile()));
        assertThat(problems(https + "    client-cert-file: " + client.certFile() + "\n"))
                .containsExactly("backends[0].client-cert-file (line 9): needs client-key-file too: "
                        + "a client certificate is a certificate file and its key file");
        assertThat(problems(https + "    client-cert-file: " + client.certFile() + "\n    client-key-file: " + other.keyFile() + "\n"))
                .containsExactly("backends[0].client-key-file (line 10): " + other.keyFile()
                        + ": this key does not belong to the first certificate in the certificate file");
        assertThat(problems(MINIMAL + both))
                .containsExactly("backends[0].client-cert-file (line 9): is for https backends, but url is http://");
    }

    @Test
    void redirectListenAndAdminTlsAreReadAndAdminTlsNeedsTheTlsSection() throws Exception {
        TestCertificates.Pair pair = TestCertificates.create(dir, "gateway");
        String yaml = tls(pair.certFile(), pair.keyFile()).replace("  listen: 127.0.0.1:9090\n", "  listen: 127.0.0.1:9090\n  tls: true\n")
                + "  redirect-listen: 0.0.0.0:8081\n";

        GatewayConfig config = new ConfigLoader(Map.of()).parse(yaml, "test.yaml");

        assertThat(config.tls().orElseThrow().redirectListen()).contains(new HostPort("0.0.0.0", 8081));
        assertThat(config.admin().tls()).isTrue();
        assertThat(problems(MINIMAL.replace("  listen: 127.0.0.1:9090\n", "  listen: 127.0.0.1:9090\n  tls: true\n")))
                .singleElement().asString().startsWith("admin.tls");
        assertThat(problems(yaml.replace("0.0.0.0:8081", "eighty"))).singleElement().asString().startsWith("tls.redirect-listen");
    }
}
