package io.grafanaha.gateway.cli;

import io.grafanaha.gateway.app.Gateway;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code kill -HUP} reloads the configuration, as for nginx and HAProxy. The JDK runs a signal handler on its own
 * signal thread, which must not block (nor read files and wait on locks); the handler only hands the reload to a
 * daemon thread of its own, where reloads run one after another. Not on Windows, which has no SIGHUP: use
 * {@code POST /api/reload} there.
 */
final class HangupReload {
    private static final Logger log = LoggerFactory.getLogger(HangupReload.class);

    private HangupReload() {}

    /** Returns whether SIGHUP now reloads {@code gateway}. */
    static boolean install(Gateway gateway) {
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
            return false;
        }
        ExecutorService reloads = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "config-reload");
            t.setDaemon(true);
            return t;
        });
        try {
            SignalHandler previous = Signal.handle(new Signal("HUP"), signal -> reloads.execute(() -> reload(gateway)));
            if (previous == SignalHandler.SIG_IGN) {
                // A process started with SIGHUP ignored (nohup, some supervisors): the JVM keeps ignoring it and
                // quietly installs nothing, so a kill -HUP would do nothing at all.
                log.warn("SIGHUP is ignored in this process (started with nohup?): it cannot reload the configuration;"
                        + " use POST /api/reload");
                reloads.shutdown();
                return false;
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // e.g. a JVM started with -Xrs, or a platform without the signal
            log.warn("SIGHUP cannot reload the configuration here ({}); use POST /api/reload", e.getMessage());
            reloads.shutdown();
            return false;
        }
    }

    /** The reload a SIGHUP asks for; its result is logged (and shown on the ops page) by the reload itself. */
    static void reload(Gateway gateway) {
        try {
            gateway.reload("SIGHUP");
        } catch (RuntimeException e) {
            log.error("configuration reload on SIGHUP failed", e);
        }
    }
}
