package org.updraft.cli;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * This machine's addresses on the local network: what a device should put in its update URL when
 * the server listens on all interfaces. Site-local (RFC 1918: 10/8, 172.16/12, 192.168/16) IPv4
 * addresses of interfaces that are up and not loopback, in the order the system lists them; a
 * device on the LAN reaches those, not 127.0.0.1.
 */
final class Lan {

    private Lan() {
    }

    /** The site-local IPv4 addresses of up, non-loopback interfaces, e.g. ["192.168.1.23"]; empty when there are none. */
    static List<String> addresses() {
        List<String> found = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address && a.isSiteLocalAddress() && !found.contains(a.getHostAddress())) {
                        found.add(a.getHostAddress());
                    }
                }
            }
        } catch (SocketException | RuntimeException e) {
            return List.of(); // no interface list: the start message says there is no LAN address
        }
        return List.copyOf(found);
    }

    /** Whether {@code host} (a literal address or a name) is this machine's loopback: 127.0.0.0/8, ::1, localhost. */
    static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        // Only literal addresses are looked at: a name is not resolved here (no DNS lookup on a CLI start).
        if (!h.matches("[0-9.]+") && !h.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
