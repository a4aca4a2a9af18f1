package org.updraft.server.fleet;

import java.util.Locale;
import java.util.regex.Pattern;
import org.updraft.server.problem.Rejection;

/**
 * A device's station MAC address in the form the stock clients send it: upper-case hex pairs
 * separated by colons ("DE:BA:7A:B1:E0:42", ESP8266httpUpdate's {@code WiFi.macAddress()}).
 * Query strings may also use lower case, dashes or no separators; all normalise to that form.
 *
 * <p>Only unicast addresses identify a device: an ESP's station MAC is its factory address
 * (Espressif's unicast OUIs) or a base MAC set by the firmware, which ESP-IDF refuses when it is
 * multicast. So 00:00:00:00:00:00 (an unset address), FF:FF:FF:FF:FF:FF (broadcast) and every
 * multicast address (lowest bit of the first octet set) are refused, wherever a MAC is accepted:
 * check-ins, reports, allowlists, device routes. Locally administered unicast addresses pass.
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
        String mac = sb.toString();
        if (hex.equals("000000000000")) {
            throw new IllegalArgumentException("'" + mac + "' is the all-zero (unset) address, not a device's MAC; "
                    + "expected the device's station MAC like DE:BA:7A:B1:E0:42");
        }
        if (hex.equals("FFFFFFFFFFFF")) {
            throw new IllegalArgumentException("'" + mac + "' is the broadcast address, not a device's MAC; "
                    + "expected the device's station MAC like DE:BA:7A:B1:E0:42");
        }
        if ((Character.digit(hex.charAt(1), 16) & 1) != 0) {
            throw new IllegalArgumentException("'" + mac + "' is a multicast address (the lowest bit of its first octet is set), "
                    + "not a device's MAC; station MACs are unicast, like DE:BA:7A:B1:E0:42");
        }
        return mac;
    }
}
