package org.updraft.server.http;

import java.nio.ByteBuffer;
import java.util.Locale;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;

/**
 * Recognises a request for a NONOS user bin from the raw bytes of its request line, whatever
 * Jetty's parser later makes of them — also when it refuses them (request line too long, a space
 * in the target, no {@code Host}, an ambiguous path). The NONOS SDK's {@code system_upgrade_start}
 * ignores the status line and flashes any body announced with {@code Content-Length: }
 * (the NONOS rule of docs/device-contract.md), so every answer to such a request but the image itself is a
 * closed connection with no byte sent, whichever layer refuses.
 *
 * <p>The rule, deliberately wider than the routes: the request target's path — from the first
 * non-blank after the method up to the first {@code '?'}, {@code '#'}, blank or line end — whose
 * last segment is {@code user1.bin} or {@code user2.bin}, ignoring case, after percent-decoding
 * ({@code %2F} and {@code %5C} separate segments too) and without {@code ;parameters}. A client
 * that is not a NONOS device and asks for such a path only loses the error text.
 *
 * <p>Fed incrementally ({@link #feed(ByteBuffer)}), since a slow client's request line arrives in
 * pieces; it keeps at most the last {@link #TAIL} characters of the current segment, so a 10 KB
 * path costs no more than a short one.
 */
final class NonosTarget {

    /** Longest tail of the last segment kept: room for "user2.bin" spelt with every byte %-encoded. */
    static final int TAIL = 64;

    private enum Phase { BEFORE_METHOD, METHOD, BEFORE_TARGET, TARGET, DONE }

    private Phase phase = Phase.BEFORE_METHOD;
    private final StringBuilder segment = new StringBuilder(TAIL);

    /** Forgets the previous request line (the parser is about to read a new request). */
    void reset() {
        phase = Phase.BEFORE_METHOD;
        segment.setLength(0);
    }

    /** Looks at the buffer's remaining bytes without consuming them. */
    void feed(ByteBuffer buffer) {
        for (int i = buffer.position(); i < buffer.limit() && phase != Phase.DONE; i++) {
            feed((char) (buffer.get(i) & 0xff));
        }
    }

    private void feed(char c) {
        boolean blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        switch (phase) {
            case BEFORE_METHOD -> phase = blank ? Phase.BEFORE_METHOD : Phase.METHOD;
            case METHOD -> phase = blank ? Phase.BEFORE_TARGET : Phase.METHOD;
            case BEFORE_TARGET -> {
                if (!blank) {
                    phase = Phase.TARGET;
                    feed(c);
                }
            }
            case TARGET -> {
                if (blank || c == '?' || c == '#') {
                    phase = Phase.DONE;
                } else if (c == '/') {
                    segment.setLength(0);
                } else {
                    if (segment.length() == TAIL) {
                        segment.deleteCharAt(0);
                    }
                    segment.append(c);
                }
            }
            case DONE -> {
            }
        }
    }

    /** Whether the request line seen so far targets a user bin (so far: a refused line may end early). */
    boolean targetsUserBin() {
        return phase.compareTo(Phase.TARGET) >= 0 && isUserBin(segment);
    }

    /** Whether a request target ("/u/relay/user2.bin?mac=..." or a whole request line) names a user bin. */
    static boolean of(String requestTarget) {
        NonosTarget t = new NonosTarget();
        t.phase = Phase.BEFORE_TARGET;
        for (int i = 0; i < requestTarget.length() && t.phase != Phase.DONE; i++) {
            t.feed(requestTarget.charAt(i));
        }
        return t.targetsUserBin();
    }

    /**
     * Whether the request targets a user bin: as its connection saw the raw request line (see
     * {@link HttpConnections}), or, on a connection that does not watch, by its parsed target.
     */
    static boolean requested(Request request) {
        if (request.getConnectionMetaData().getConnection() instanceof HttpConnections.Watched w) {
            return w.targetsUserBin();   // the raw line is the authority (and this runs on every check-in: no second scan)
        }
        HttpURI uri = request.getHttpURI();
        return uri != null && uri.getPath() != null && of(uri.getPath());
    }

    private static boolean isUserBin(CharSequence rawSegment) {
        String s = decode(rawSegment);
        int sep = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        s = s.substring(sep + 1);
        int param = s.indexOf(';');
        if (param >= 0) {
            s = s.substring(0, param);
        }
        s = s.toLowerCase(Locale.ROOT);
        return s.equals("user1.bin") || s.equals("user2.bin");
    }

    /** Percent-decoding that keeps what is not a valid escape as it is (this only recognises, it never refuses). */
    private static String decode(CharSequence raw) {
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
            if (c == '%' && lo >= 0) {
                out.append((char) (hi * 16 + lo));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
