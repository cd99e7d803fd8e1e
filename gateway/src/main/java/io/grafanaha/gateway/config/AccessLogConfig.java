package io.grafanaha.gateway.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code access-log}: one line per request the public listener answered. {@code format} is {@code json}
 * (default) or {@code combined} (Apache/nginx "combined" with the gateway's fields appended); {@code file}
 * absent means standard error, else a file rolled daily and at {@code maxFileSize}, {@code maxHistory} days
 * kept; {@code sample} is the share of ordinary requests logged (answers of 500 and above always are).
 */
public record AccessLogConfig(boolean enabled, Format format, Optional<Path> file, double sample, String maxFileSize, int maxHistory) {
    public static final String DEFAULT_MAX_FILE_SIZE = "100MB";
    public static final int DEFAULT_MAX_HISTORY = 7;
    /** On, JSON lines on standard error, every request. */
    public static final AccessLogConfig DEFAULT = new AccessLogConfig(true, Format.JSON, Optional.empty(), 1.0,
            DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_HISTORY);
    public static final AccessLogConfig OFF = new AccessLogConfig(false, Format.JSON, Optional.empty(), 1.0,
            DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_HISTORY);

    public enum Format { JSON, COMBINED }

    public AccessLogConfig {
        if (!(sample >= 0 && sample <= 1)) {
            throw new IllegalArgumentException("sample must be between 0 and 1: " + sample);
        }
    }

    /** The same settings writing JSON lines to {@code file}. */
    public static AccessLogConfig toFile(Path file, Format format) {
        return new AccessLogConfig(true, format, Optional.of(file), 1.0, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_HISTORY);
    }

    static AccessLogConfig read(Section a) {
        a.rejectUnknown(Set.of("enabled", "format", "file", "sample", "max-file-size", "max-history"));
        Map<String, Format> formats = new LinkedHashMap<>();
        formats.put("json", Format.JSON);
        formats.put("combined", Format.COMBINED);
        boolean enabled = a.bool("enabled", true);
        Format format = a.choice("format", Format.JSON, formats);
        Optional<Path> file = a.text("file").map(String::trim).filter(t -> !t.isEmpty()).map(Path::of);
        double sample = a.parsed("sample", 1.0, Values::share, "a share between 0 and 1 (e.g. 0.1 logs one request in ten)");
        String maxFileSize = a.string("max-file-size", DEFAULT_MAX_FILE_SIZE).trim();
        if (!maxFileSize.matches("[0-9]+ ?(KB|MB|GB|kb|mb|gb)")) {
            a.problem("max-file-size", "\"" + maxFileSize + "\" is not a size (write e.g. 100MB or 1GB)");
            maxFileSize = DEFAULT_MAX_FILE_SIZE;
        }
        int maxHistory = a.integer("max-history", DEFAULT_MAX_HISTORY, 1, 3650);
        return new AccessLogConfig(enabled, format, file, sample, maxFileSize, maxHistory);
    }
}
