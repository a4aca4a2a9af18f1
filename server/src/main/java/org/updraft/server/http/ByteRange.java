package org.updraft.server.http;

import java.util.ArrayList;
import java.util.List;

/**
 * What a {@code Range} header asks of a representation of a known length (RFC 9110 §14).
 *
 * <ul>
 *   <li>{@code bytes=0-1023}: first 1024 bytes; a last-pos beyond the end is clamped (§14.1.1).</li>
 *   <li>{@code bytes=1000-}: from byte 1000 to the end; unsatisfiable when 1000 &ge; length.</li>
 *   <li>{@code bytes=-500}: the last 500 bytes (all of them when the image is shorter);
 *       {@code bytes=-0}, and any suffix range of a 0-byte representation, is unsatisfiable.</li>
 *   <li>Several ranges: answered deliberately with the whole image (200), as §14.2 allows ("a
 *       server MAY ignore the Range header field"). A multipart/byteranges body is something an
 *       ESP client would write to flash verbatim; no ESP client asks for several ranges.</li>
 *   <li>A syntactically invalid header or another unit is ignored (§14.2): the whole image.</li>
 * </ul>
 */
public sealed interface ByteRange {

    /** Serve everything with 200. */
    record Whole() implements ByteRange {
    }

    /** Serve bytes {@code first..last} inclusive with 206. */
    record Partial(long first, long last) implements ByteRange {
        long length() {
            return last - first + 1;
        }
    }

    /** Answer 416 with {@code Content-Range: bytes *}{@code /length}. */
    record Unsatisfiable() implements ByteRange {
    }

    ByteRange WHOLE = new Whole();
    ByteRange UNSATISFIABLE = new Unsatisfiable();

    static ByteRange parse(String header, long length) {
        if (header == null) {
            return WHOLE;
        }
        String h = header.trim();
        int eq = h.indexOf('=');
        if (eq < 0 || !h.substring(0, eq).trim().equalsIgnoreCase("bytes")) {
            return WHOLE;
        }
        String[] specs = h.substring(eq + 1).split(",");
        List<ByteRange> ranges = new ArrayList<>(specs.length);
        for (String spec : specs) {
            ByteRange r = one(spec.trim(), length);
            if (r == null) {
                return WHOLE; // invalid syntax: ignore the header
            }
            ranges.add(r);
        }
        boolean anySatisfiable = ranges.stream().anyMatch(r -> r instanceof Partial);
        if (!anySatisfiable) {
            return UNSATISFIABLE;
        }
        return ranges.size() == 1 ? ranges.get(0) : WHOLE;
    }

    /** One range-spec; null when malformed. */
    private static ByteRange one(String spec, long length) {
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        if (a.isEmpty()) {
            long suffix = digits(b);
            if (suffix < 0) {
                return null;
            }
            if (suffix == 0 || length == 0) {
                return UNSATISFIABLE; // bytes=-0, or a suffix of an empty representation: no byte to send
            }
            return new Partial(Math.max(0, length - suffix), length - 1);
        }
        long first = digits(a);
        if (first < 0) {
            return null;
        }
        long last;
        if (b.isEmpty()) {
            last = length - 1;
        } else {
            last = digits(b);
            if (last < 0 || last < first) {
                return null;
            }
        }
        if (first >= length) {
            return UNSATISFIABLE;
        }
        return new Partial(first, Math.min(last, length - 1));
    }

    /** A non-negative decimal of at most 18 digits, else -1. */
    private static long digits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }
}
