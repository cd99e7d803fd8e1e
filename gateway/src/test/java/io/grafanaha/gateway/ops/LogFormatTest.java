package io.grafanaha.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.cli.LogFormat;
import io.grafanaha.gateway.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** {@code --log-format json}: every line on standard error is one JSON object with the formatted message. */
class LogFormatTest {
    @Test
    void runAndDemoTakeTheLogFormatOption() {
        CommandLine.ParseResult run = Main.commandLine().parseArgs("run", "--config", "gateway.yaml", "--log-format", "json");
        assertThat(run.subcommand().matchedOptionValue("--log-format", LogFormat.text)).isEqualTo(LogFormat.json);
        CommandLine.ParseResult demo = Main.commandLine().parseArgs("demo", "--log-format", "json");
        assertThat(demo.subcommand().matchedOptionValue("--log-format", LogFormat.text)).isEqualTo(LogFormat.json);
        CommandLine.ParseResult plain = Main.commandLine().parseArgs("run", "--config", "gateway.yaml");
        assertThat(plain.subcommand().commandSpec().findOption("--log-format").defaultValue()).contains("text");
    }

    @Test
    void jsonWritesOneObjectPerLineWithTheFormattedMessage() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            LogFormat.json.apply();
            LoggerFactory.getLogger("io.grafanaha.gateway.Example").info("failover from={} to={} reason=\"{}\"",
                    "grafana-a", "grafana-b", "3 checks failed\nlast: \"connection refused\"");
            LoggerFactory.getLogger("io.grafanaha.gateway.Example").warn("second line");
        } finally {
            System.setErr(err);
            restoreTestConfiguration();
        }
        List<String> lines = Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\n")).filter(l -> !l.isBlank()).toList();
        assertThat(lines).hasSize(2);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertThat(first.path("level").asText()).isEqualTo("INFO");
        assertThat(first.path("loggerName").asText()).isEqualTo("io.grafanaha.gateway.Example");
        assertThat(first.path("formattedMessage").asText())
                .isEqualTo("failover from=grafana-a to=grafana-b reason=\"3 checks failed\nlast: \"connection refused\"\"");
        assertThat(first.path("timestamp").asLong()).isPositive();
        assertThat(first.has("arguments")).as("raw arguments are not repeated").isFalse();
        assertThat(json.readTree(lines.get(1)).path("level").asText()).isEqualTo("WARN");
    }

    private static void restoreTestConfiguration() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogFormatTest.class.getResource("/logback-test.xml"));
    }
}
