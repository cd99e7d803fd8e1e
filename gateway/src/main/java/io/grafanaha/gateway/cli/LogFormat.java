package io.grafanaha.gateway.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;

/**
 * How log lines look: {@code text} (readable, logback.xml) or {@code json} (one JSON object a line,
 * logback-json.xml). Chosen on the command line and applied before the first log line, by reloading
 * Logback's configuration, so every line of a run has the same format.
 */
public enum LogFormat {
    text("/logback.xml"),
    json("/logback-json.xml");

    private final String resource;

    LogFormat(String resource) {
        this.resource = resource;
    }

    /** Switches Logback to this format; {@code text} leaves the configuration Logback found at startup. */
    public void apply() {
        if (this == text) {
            return;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding (e.g. in an embedding application) owns the format
        }
        URL config = LogFormat.class.getResource(resource);
        if (config == null) {
            throw new IllegalStateException("the log configuration " + resource + " is missing from the jar");
        }
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot apply " + resource + ": " + e.getMessage(), e);
        }
    }
}
