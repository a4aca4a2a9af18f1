package org.updraft.device.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Status and headers as Arduino's {@code HTTPClient::handleHeaderResponse} reads them, line by
 * line with {@code readStringUntil('\n')}: a line starting with {@code "HTTP/1."} sets the return
 * code from the text after {@code "HTTP/1.x "}; {@code name: value} lines are kept (names
 * case-insensitive); the empty line ends the head. No status line means
 * {@code HTTPC_ERROR_NO_HTTP_SERVER}; the peer closing first {@code HTTPC_ERROR_CONNECTION_LOST};
 * no byte for {@code _tcpTimeout} {@code HTTPC_ERROR_READ_TIMEOUT}; a Transfer-Encoding other
 * than chunked {@code HTTPC_ERROR_ENCODING}.
 *
 * @param status  the return code, 0 when no status line was seen
 * @param headers lower-cased names, last value wins
 */
record ResponseHead(int status, Map<String, String> headers) {
    static final int CONNECTION_FAILED = -1;
    static final int CONNECTION_LOST = -5;
    static final int NO_HTTP_SERVER = -7;
    static final int ENCODING = -9;
    static final int READ_TIMEOUT = -11;
    private static final int MAX_LINE = 4096;

    /** {@code HTTPClient::getSize()}: Content-Length, or -1 (absent, or chunked). */
    int size() {
        if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
            return -1;
        }
        String length = headers.get("content-length");
        if (length == null) {
            return -1;
        }
        try {
            return Integer.parseInt(length.trim());
        } catch (NumberFormatException e) {
            return 0; // String::toInt() of garbage
        }
    }

    String header(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }

    static ResponseHead read(InputStream in) throws ClientError {
        int status = 0;
        Map<String, String> headers = new LinkedHashMap<>();
        while (true) {
            String line = line(in).trim();
            if (line.startsWith("HTTP/1.")) {
                int from = "HTTP/1.x ".length();
                int space = line.indexOf(' ', from);
                status = toInt(line.substring(Math.min(from, line.length()), space < 0 ? line.length() : space));
            } else if (line.indexOf(':') > 0) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            if (line.isEmpty()) {
                String te = headers.getOrDefault("transfer-encoding", "");
                if (!te.isEmpty() && !te.equalsIgnoreCase("chunked")) {
                    throw new ClientError(ENCODING, "Transfer-Encoding not supported");
                }
                if (status == 0) {
                    throw new ClientError(NO_HTTP_SERVER, "no HTTP server");
                }
                return new ResponseHead(status, Map.copyOf(headers));
            }
        }
    }

    private static String line(InputStream in) throws ClientError {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new ClientError(CONNECTION_LOST, "connection lost");
                }
                if (b.size() < MAX_LINE) {
                    b.write(c);
                }
            }
        } catch (SocketTimeoutException e) {
            throw new ClientError(READ_TIMEOUT, "read Timeout");
        } catch (IOException e) {
            throw new ClientError(CONNECTION_LOST, "connection lost");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Arduino {@code String::toInt()}: leading digits, else 0. */
    static int toInt(String s) {
        int i = 0;
        long v = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && v < Integer.MAX_VALUE) {
            v = v * 10 + (s.charAt(i++) - '0');
        }
        return (int) Math.min(v, Integer.MAX_VALUE);
    }

    /** An {@code HTTPC_ERROR_*} with {@code HTTPClient::errorToString}'s text. */
    static final class ClientError extends Exception {
        final int code;

        ClientError(int code, String message) {
            super(message);
            this.code = code;
        }
    }
}
