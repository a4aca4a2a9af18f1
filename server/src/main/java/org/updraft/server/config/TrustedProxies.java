package org.updraft.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The reverse proxies (nginx, a load balancer) whose {@code X-Forwarded-For} header the server
 * believes: addresses or CIDR blocks, e.g. {@code 127.0.0.1, 10.0.0.0/8, ::1}. A request whose
 * connection comes from any other address keeps that address as its client, whatever it claims
 * in the header: anyone can write an {@code X-Forwarded-For}.
 *
 * <p>The client is found as RFC 7239, section 5.2 (and nginx's {@code real_ip_recursive on})
 * do it for the older header: {@code X-Forwarded-For} lists the addresses the request passed,
 * each proxy appending the one it received the connection from. Read from the right, every
 * trusted address is a proxy of ours; the first untrusted one is the client as far as anyone we
 * trust saw it. An entry that is not an IP address ends the walk at the last address known good.
 *
 * @param blocks the trusted blocks; empty (the default): trust no proxy
 */
public record TrustedProxies(List<Block> blocks) {

    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    /** An address block: the first {@code prefix} bits of {@code address}. */
    public record Block(byte[] address, int prefix) {
        public Block {
            Objects.requireNonNull(address, "address");
            if (prefix < 0 || prefix > address.length * 8) {
                throw new IllegalArgumentException("prefix must be 0.." + address.length * 8 + ", was " + prefix);
            }
            address = address.clone();
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != address.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit += 8) {
                int bits = Math.min(8, prefix - bit);
                int mask = (0xff << (8 - bits)) & 0xff;
                if ((b[bit / 8] & mask) != (address[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            try {
                return InetAddress.getByAddress(address).getHostAddress() + "/" + prefix;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public TrustedProxies {
        blocks = List.copyOf(blocks);
    }

    /**
     * Parses a comma- or space-separated list of IP addresses and CIDR blocks ("" or "none": no
     * proxy is trusted). Host names are refused: a name's addresses may change under a running server.
     */
    public static TrustedProxies parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty() || t.equals("none")) {
            return NONE;
        }
        List<Block> blocks = new ArrayList<>();
        for (String entry : t.split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            int slash = entry.indexOf('/');
            String host = slash < 0 ? entry : entry.substring(0, slash);
            InetAddress a = literal(host);
            if (a == null) {
                throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block; expected e.g. "
                        + "127.0.0.1, 10.0.0.0/8 or ::1 (host names are not accepted)");
            }
            int max = a.getAddress().length * 8;
            int prefix = max;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > max) {
                    throw new IllegalArgumentException("'" + entry + "': the prefix length after / must be 0.." + max);
                }
            }
            blocks.add(new Block(a.getAddress(), prefix));
        }
        return new TrustedProxies(blocks);
    }

    /** An IP literal (IPv4 dotted quad or IPv6, optionally in brackets), never a name lookup; null when it is not one. */
    static InetAddress literal(String s) {
        String h = s.strip();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        boolean v4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = h.contains(":") && h.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        if (v4 && java.util.Arrays.stream(h.split("\\.")).anyMatch(octet -> Integer.parseInt(octet) > 255)) {
            return null; // else the JDK would look the text up as a host name
        }
        try {
            return InetAddress.getByName(h); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    public boolean trusts(InetAddress a) {
        return a != null && blocks.stream().anyMatch(b -> b.contains(a));
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /**
     * The client's address: {@code peer} (the connection's address) unless it is a trusted proxy;
     * then the rightmost untrusted address of the {@code X-Forwarded-For} values (in header order),
     * or the leftmost one when all are trusted.
     */
    public InetAddress client(InetAddress peer, List<String> forwardedFor) {
        if (!trusts(peer) || forwardedFor == null || forwardedFor.isEmpty()) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String value : forwardedFor) {
            for (String hop : value.split(",")) {
                if (!hop.isBlank()) {
                    hops.add(hop.strip());
                }
            }
        }
        InetAddress client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetAddress hop = literal(hops.get(i));
            if (hop == null) {
                return client;
            }
            client = hop;
            if (!trusts(hop)) {
                return hop;
            }
        }
        return client;
    }

    /** The blocks as {@link #parse} reads them, e.g. "127.0.0.1/32, 10.0.0.0/8"; "none" when empty. */
    @Override
    public String toString() {
        return blocks.isEmpty() ? "none" : String.join(", ", blocks.stream().map(Block::toString).toList());
    }
}
