package io.grafanaha.testkit.grafana;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Grafana's title slug (pkg/infra/slugify): lower-case; a-z, 0-9, '-' and '_' kept; space → '-';
 * a few symbols and accented letters transliterated; ,"'?.() and CR/LF/NUL dropped; anything else
 * becomes the lower-case hex of its UTF-8 bytes. A slug longer than 50 bytes or empty is replaced by
 * a SHA-1 name-based UUID of the untrimmed title. Only the common Latin transliterations are copied;
 * rarer letters fall to the hex rule, which is rare enough in tests not to matter.
 */
final class Slugify {
    private static final Set<Integer> OMITTED = Set.of((int) ',', (int) '"', (int) '\'', (int) '\n', (int) '\r', 0,
            (int) '?', (int) '.', (int) '(', (int) ')');
    private static final Map<Integer, String> REPLACED = Map.ofEntries(
            Map.entry((int) ' ', "-"), Map.entry((int) '&', "and"), Map.entry((int) '@', "at"),
            Map.entry((int) '©', "c"), Map.entry((int) '®', "r"), Map.entry((int) 'ß', "ss"),
            Map.entry((int) 'à', "a"), Map.entry((int) 'á', "a"), Map.entry((int) 'â', "a"), Map.entry((int) 'ä', "a"),
            Map.entry((int) 'å', "a"), Map.entry((int) 'ã', "a"), Map.entry((int) 'æ', "ae"), Map.entry((int) 'ç', "c"),
            Map.entry((int) 'è', "e"), Map.entry((int) 'é', "e"), Map.entry((int) 'ê', "e"), Map.entry((int) 'ë', "e"),
            Map.entry((int) 'ì', "i"), Map.entry((int) 'í', "i"), Map.entry((int) 'î', "i"), Map.entry((int) 'ï', "i"),
            Map.entry((int) 'ñ', "n"), Map.entry((int) 'ò', "o"), Map.entry((int) 'ó', "o"), Map.entry((int) 'ô', "o"),
            Map.entry((int) 'õ', "o"), Map.entry((int) 'ö', "o"), Map.entry((int) 'ø', "o"), Map.entry((int) 'ù', "u"),
            Map.entry((int) 'ú', "u"), Map.entry((int) 'û', "u"), Map.entry((int) 'ü', "ue"), Map.entry((int) 'ý', "y"),
            Map.entry((int) 'ÿ', "y"), Map.entry((int) 'œ', "oe"), Map.entry((int) 'š', "s"), Map.entry((int) 'ž', "z"),
            Map.entry((int) 'ł', "l"), Map.entry((int) '™', "tm"));
    /** RFC 4122 OID namespace, as Go's uuid.NameSpaceOID. */
    private static final byte[] NAMESPACE_OID = {0x6b, (byte) 0xa7, (byte) 0xb8, 0x12, (byte) 0x9d, (byte) 0xad, 0x11,
            (byte) 0xd1, (byte) 0x80, (byte) 0xb4, 0x00, (byte) 0xc0, 0x4f, (byte) 0xd4, 0x30, (byte) 0xc8};

    private Slugify() {
    }

    static String slugify(String title) {
        String s = slugifyRaw(title.strip().toLowerCase(Locale.ROOT));
        if (s.length() > 50 || s.isEmpty()) {
            return sha1Uuid(title);
        }
        return s;
    }

    private static String slugifyRaw(String value) {
        StringBuilder out = new StringBuilder();
        value.codePoints().forEach(c -> {
            String replacement = REPLACED.get(c);
            if (replacement != null) {
                out.append(replacement);
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                out.appendCodePoint(c);
            } else if (!OMITTED.contains(c)) {
                // Go prints each byte with %x, so bytes below 0x10 get a single digit.
                for (byte b : new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8)) {
                    out.append(Integer.toHexString(b & 0xff));
                }
            }
        });
        return out.toString();
    }

    private static String sha1Uuid(String name) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(NAMESPACE_OID);
            byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
            h[6] = (byte) ((h[6] & 0x0f) | 0x50);
            h[8] = (byte) ((h[8] & 0x3f) | 0x80);
            String hex = java.util.HexFormat.of().formatHex(h, 0, 16);
            return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                    + hex.substring(16, 20) + "-" + hex.substring(20, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every JRE", e);
        }
    }
}
