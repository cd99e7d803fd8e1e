package io.grafanaha.gateway.cli;

import picocli.CommandLine.Option;

/** {@code --log-format}, for the commands that serve ({@code run}, {@code demo}). */
final class LogFormatOption {
    @Option(names = "--log-format", defaultValue = "${env:GATEWAY_LOG_FORMAT:-text}", paramLabel = "FORMAT",
            description = "Log lines on standard error: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; environment GATEWAY_LOG_FORMAT).")
    LogFormat format;

    void apply() {
        format.apply();
    }
}
