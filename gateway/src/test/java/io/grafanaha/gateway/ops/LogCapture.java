package io.grafanaha.gateway.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Everything logged while open, at DEBUG and above from every logger, rendered both as readable lines
 * and as JSON lines (every field the JSON encoder has, arguments included). Closing puts the test
 * configuration back.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final StringBuilder text = new StringBuilder();
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final List<Encoder<ILoggingEvent>> encoders;

    LogCapture() {
        setContext(context);
        PatternLayoutEncoder pattern = new PatternLayoutEncoder();
        pattern.setContext(context);
        pattern.setPattern("%d %level [%thread] %logger %mdc %kvp %msg%n%ex");
        pattern.start();
        JsonEncoder json = new JsonEncoder();
        json.setContext(context);
        json.start();
        encoders = List.of(pattern, json);
        start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        context.getLoggerList().forEach(l -> l.setLevel(l == root ? Level.DEBUG : null));
        root.addAppender(this);
    }

    @Override
    protected synchronized void append(ILoggingEvent event) {
        for (Encoder<ILoggingEvent> encoder : encoders) {
            text.append(new String(encoder.encode(event), StandardCharsets.UTF_8));
        }
    }

    synchronized String text() {
        return text.toString();
    }

    @Override
    public void close() throws Exception {
        stop();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogCapture.class.getResource("/logback-test.xml"));
    }
}
