package org.updraft.server.http;

/**
 * Text as an HTTP header value may carry it: printable ASCII only (RFC 9110 §5.5 field values;
 * anything else — control characters, line breaks, non-ASCII — becomes '?'), at most
 * {@value #MAX} characters. For any text a client or a release brought that goes into a header
 * or must stay on one line.
 */
final class HeaderText {

    static final int MAX = 300;

    private HeaderText() {
    }

    static String safe(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX));
        for (int i = 0; i < s.length() && i < MAX; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
