package io.grafanaha.sync.desired;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Folder uids derived from the path, identical on every backend and in every run.
 *
 * <p>{@code uid = slug(last directory name, or the root title) + "-" + first 12 hex of
 * SHA-256(rootTitle + NUL + directory)}, at most 33 characters of {@code [a-z0-9-]}. The slug keeps uids
 * readable in URLs; the hash keeps {@code a/x} and {@code b/x} apart. Renaming the root title or moving a
 * directory changes the uid (and so recreates the folder); a {@code _folder.json} pins it instead.
 */
public final class FolderUids {
    /** Grafana's uid rule: {@code ^[a-zA-Z0-9\-_]*$}, at most 40 characters. */
    public static final Pattern VALID_UID = Pattern.compile("[a-zA-Z0-9_-]{1,40}");

    private static final int SLUG_MAX = 20;

    private FolderUids() {}

    /**
     * The uid of the folder for {@code directory} (relative to {@code sync.path}, {@code ""} for the root folder)
     * in a tree whose root folder is titled {@code rootTitle}.
     */
    public static String derive(String rootTitle, String directory) {
        String name = directory.isEmpty() ? rootTitle : directory.substring(directory.lastIndexOf('/') + 1);
        String slug = slug(name);
        String hash = sha256Hex(rootTitle + '\0' + directory).substring(0, 12);
        return slug.isEmpty() ? hash : slug + "-" + hash;
    }

    static String slug(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (s.length() > SLUG_MAX) {
            s = s.substring(0, SLUG_MAX).replaceAll("-+$", "");
        }
        return s;
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
