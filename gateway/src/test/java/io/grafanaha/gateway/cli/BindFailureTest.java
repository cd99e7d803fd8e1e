package io.grafanaha.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code run} and {@code demo} on an address another program holds: one line naming it, exit 1, no stack trace. */
class BindFailureTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private ServerSocket taken;

    @BeforeEach
    void takeAPort() throws Exception {
        taken = new ServerSocket();
        taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void releaseIt() throws Exception {
        taken.close();
    }

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private Path config(String listen, String adminListen) throws Exception {
        return Files.writeString(dir.resolve("gateway.yaml"), """
                listen: %s
                admin:
                  listen: %s
                mode: failover
                backends:
                  - name: grafana-a
                    url: http://127.0.0.1:1
                    role: primary
                """.formatted(listen, adminListen));
    }

    @Test
    void runOnATakenListenAddressNamesItAndExitsOneWithoutAStackTrace() throws Exception {
        int exit = run("run", "--config", config("127.0.0.1:" + taken.getLocalPort(), "127.0.0.1:0").toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (listen)")
                .contains("already in use").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void runOnATakenAdminAddressNamesTheAdminSetting() throws Exception {
        int exit = run("run", "--config", config("127.0.0.1:0", "127.0.0.1:" + taken.getLocalPort()).toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (admin.listen)")
                .doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void demoOnATakenPortNamesItAndExitsOneWithoutAStackTrace() {
        int exit = run("demo", "--port", String.valueOf(taken.getLocalPort()), "--admin-port", "0");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (--port)")
                .doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(out.toString()).as("no banner for a demo that did not start").isEmpty();
    }
}
