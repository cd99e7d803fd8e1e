package io.grafanaha.gateway.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Which build is running: the Maven version and the Git commit it was built from, written into
 * {@code build-info.properties} by the build. A value the build could not fill (classes compiled by an
 * IDE, a build outside a Git clone) reads as {@code "unknown"}, never as an unexpanded placeholder.
 */
public record BuildInfo(String version, String revision) {
    static final String RESOURCE = "/io/grafanaha/gateway/build-info.properties";

    public static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
        return new BuildInfo(value(p, "version"), value(p, "revision"));
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key, "").strip();
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }
}
