package org.updraft.device.push;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/**
 * esp8266/Arduino {@code tools/espota.py} in Java:
 * <ol>
 *   <li>listen on TCP (a random port unless one is given, espota {@code -P}), send the UDP invitation
 *       {@code "0 <port> <size> <md5>\n"} and wait for the answer;</li>
 *   <li>{@code "AUTH <nonce>"}: answer {@code "200 <cnonce> <md5hex(md5hex(password) + ":" + nonce
 *       + ":" + cnonce)>\n"}, expect {@code "OK"} ({@code "Authentication Failed"} otherwise);</li>
 *   <li>accept the device's connection, send 1460-byte chunks and read the device's byte-count
 *       reply after each;</li>
 *   <li>success when a reply contains {@code "OK"}; a reply with {@code "ERROR"} (the core's
 *       {@code printError} line) is the device's refusal.</li>
 * </ol>
 * What is verified: the device answers {@code OK} only after {@code Update.end()} compared the MD5 of
 * the written bytes with the invitation's and wrote the eboot command. ArduinoOTA has no status
 * request, so whether the new sketch runs after the restart cannot be asked over this protocol.
 */
public final class ArduinoOtaPush {
    /** espota.py: {@code chunk = f.read(1460)}. */
    static final int CHUNK = 1460;

    private final InetSocketAddress device;
    private final String password;
    private final int hostPort;
    private final Duration timeout;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param password the OTA password, or null
     * @param hostPort the local TCP port the device connects back to; 0 for any free one
     */
    public ArduinoOtaPush(InetSocketAddress device, String password, int hostPort, Duration timeout) {
        this.device = device;
        this.password = password;
        this.hostPort = hostPort;
        this.timeout = timeout;
    }

    public Pushed push(byte[] image, LongConsumer progress) throws PushFailure {
        String where = device.getHostString() + ":" + device.getPort();
        int millis = (int) Math.max(1, timeout.toMillis());
        String md5 = md5Hex(image);
        try (DatagramSocket udp = new DatagramSocket()) {
            udp.connect(device);
            InetAddress local = udp.getLocalAddress();
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress(local, hostPort));
                udp.setSoTimeout(millis);
                send(udp, "0 " + server.getLocalPort() + " " + image.length + " " + md5 + "\n");
                String answer = receive(udp, "no answer to the invitation from " + where + " within "
                        + timeout.toSeconds() + " s (is ArduinoOTA listening on that UDP port?)");
                if (answer.startsWith("AUTH")) {
                    if (password == null) {
                        // ArduinoOTA now waits in OTA_WAITAUTH and would swallow the next invitation;
                        // any packet that is not "200 …" puts it back to OTA_IDLE.
                        send(udp, "\n");
                        throw new PushFailure("the device asks for a password (AUTH); give --password", false);
                    }
                    String nonce = answer.substring(4).strip();
                    byte[] c = new byte[16];
                    random.nextBytes(c);
                    String cnonce = md5Hex(c);
                    String result = md5Hex((md5Hex(password.getBytes(StandardCharsets.UTF_8)) + ":" + nonce + ":" + cnonce)
                            .getBytes(StandardCharsets.UTF_8));
                    send(udp, "200 " + cnonce + " " + result + "\n");
                    answer = receive(udp, "no answer to the authentication from " + where);
                    if (answer.startsWith("Authentication Failed")) {
                        throw new PushFailure("authentication failed: the device answered \"" + answer.strip()
                                + "\"; check --password", false);
                    }
                    if (!answer.equals("OK")) {
                        // _runUpdate answers "ERR: " + printError when Update.begin fails
                        throw new PushFailure("the device refused the update: " + answer.strip(), false);
                    }
                } else if (!answer.equals("OK")) {
                    throw new PushFailure("the device refused the update: " + answer.strip(), false);
                }
                server.setSoTimeout(millis);
                try (Socket connection = server.accept()) {
                    return stream(connection, image, millis, progress);
                } catch (SocketTimeoutException e) {
                    throw new PushFailure("the device accepted the invitation but did not connect back to port "
                            + server.getLocalPort() + " within " + timeout.toSeconds() + " s (firewall?)", true, e);
                }
            }
        } catch (PushFailure e) {
            throw e;
        } catch (IOException e) {
            throw new PushFailure("ArduinoOTA push to " + where + " failed: " + e, true, e);
        }
    }

    private Pushed stream(Socket connection, byte[] image, int millis, LongConsumer progress)
            throws IOException, PushFailure {
        connection.setSoTimeout(millis);
        connection.setTcpNoDelay(true);
        InputStream in = connection.getInputStream();
        OutputStream out = connection.getOutputStream();
        StringBuilder replies = new StringBuilder();
        byte[] buf = new byte[64];
        for (int at = 0; at < image.length; at += CHUNK) {
            int n = Math.min(CHUNK, image.length - at);
            try {
                out.write(image, at, n);
                out.flush();
                int r = in.read(buf);
                if (r < 0) {
                    throw new PushFailure("the device closed the connection after " + (at + n) + " of "
                            + image.length + " bytes" + error(replies), true);
                }
                replies.append(new String(buf, 0, r, StandardCharsets.US_ASCII));
            } catch (SocketTimeoutException e) {
                throw new PushFailure("no byte count from the device within " + millis / 1000 + " s after "
                        + (at + n) + " bytes", true, e);
            } catch (IOException e) {
                throw new PushFailure("upload interrupted after " + at + " of " + image.length + " bytes: " + e
                        + error(replies), true, e);
            }
            progress.accept(at + n);
            if (replies.indexOf("ERROR") >= 0) {
                break;
            }
        }
        // "Waiting for result...": read until OK, ERROR or the end of the stream.
        while (replies.indexOf("OK") < 0 && replies.indexOf("ERROR") < 0) {
            int r;
            try {
                r = in.read(buf);
            } catch (SocketTimeoutException e) {
                throw new PushFailure("no result from the device within " + millis / 1000 + " s", true, e);
            }
            if (r < 0) {
                break;
            }
            replies.append(new String(buf, 0, r, StandardCharsets.US_ASCII));
        }
        if (replies.indexOf("ERROR") >= 0) {
            // the result may arrive in pieces: read the rest of the line
            while (replies.indexOf("\n", replies.indexOf("ERROR")) < 0) {
                int r;
                try {
                    r = in.read(buf);
                } catch (SocketTimeoutException e) {
                    break;
                }
                if (r < 0) {
                    break;
                }
                replies.append(new String(buf, 0, r, StandardCharsets.US_ASCII));
            }
            throw new PushFailure("the device refused the image: " + replies.substring(replies.indexOf("ERROR")).strip(),
                    false);
        }
        if (replies.indexOf("OK") < 0) {
            throw new PushFailure("the device closed the connection without OK", true);
        }
        return new Pushed("arduino-ota", image.length,
                "the device checked the MD5 of the written image (Update.end) and answered OK; it restarts into it");
    }

    private static String error(StringBuilder replies) {
        int at = replies.indexOf("ERROR");
        return at < 0 ? "" : ": " + replies.substring(at).strip();
    }

    private void send(DatagramSocket udp, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        udp.send(new DatagramPacket(bytes, bytes.length));
    }

    private static String receive(DatagramSocket udp, String silence) throws IOException, PushFailure {
        byte[] buf = new byte[128];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        try {
            udp.receive(packet);
        } catch (SocketTimeoutException e) {
            throw new PushFailure(silence, true, e);
        } catch (java.net.PortUnreachableException e) {
            throw new PushFailure(silence.replaceFirst(" within .*", "") + ": UDP port unreachable", true, e);
        }
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
    }

    static String md5Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
