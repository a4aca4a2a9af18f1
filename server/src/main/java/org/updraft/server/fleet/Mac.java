package org.updraft.server.fleet;

import java.util.Locale;
import java.util.regex.Pattern;
import org.updraft.server.Rejection;

/**
 * A device's station MAC address in the form the stock clients send it: upper-case hex pairs
 * separated by colons ("DE:BA:7A:B1:E0:42", ESP8266httpUpdate's {@code WiFi.macAddress()}).
 * Query strings may also use lower case, dashes or no separators; all normalise to that form.
 */
public final class Mac {

    private static final Pattern ANY = Pattern.compile("[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}");

    private Mac() {
    }

    /** The normalised MAC, or IllegalArgumentException saying what was expected. */
    public static String parse(String text) {
        String t = text.trim();
        if (!ANY.matcher(t).matches()) {
            throw new IllegalArgumentException("'" + Rejection.echo(t) + "' is not a MAC address; expected six hex pairs like DE:BA:7A:B1:E0:42");
        }
        String hex = t.replace(":", "").replace("-", "").toUpperCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder(17);
        for (int i = 0; i < 12; i += 2) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(hex, i, i + 2);
        }
        return sb.toString();
    }
}
