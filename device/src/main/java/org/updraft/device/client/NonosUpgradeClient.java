package org.updraft.device.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.SlotWriter;
import org.updraft.device.boot.StagedImage;
import org.updraft.device.boot.UpdateException;
import org.updraft.device.boot.Updater;

/**
 * ESP8266 NONOS SDK {@code system_upgrade_start(struct upgrade_server_info *server)}
 * (the NONOS rule of docs/device-contract.md; Espressif {@code upgrade.c} as vendored by nodemcu,
 * IoT_Demo {@code user_esp_platform.c}):
 * <ul>
 *   <li>the application builds {@code server->url} and the SDK sends it verbatim; the file is
 *       {@code user2.bin} when {@code system_upgrade_userbin_check() == UPGRADE_FW_BIN1} (user1
 *       running), else {@code user1.bin};</li>
 *   <li>{@code upgrade_download}: the <em>first</em> segment must contain {@code "\r\n\r\n"} and
 *       {@code "Content-Length: "}; the status code is never looked at; the body goes to the
 *       other slot; when {@code totallength == sumlength} the SDK checks the bin's CRC
 *       ({@code upgrade_crc_check}), sets {@code UPGRADE_FLAG_FINISH} and the app calls
 *       {@code system_upgrade_reboot()};</li>
 *   <li>failures — 10 s connect timer, the {@code check_times} timer, an early close — keep the
 *       running slot.</li>
 * </ul>
 * Updraft answers a device it has nothing for by closing without a byte (the NONOS
 * rule of docs/device-contract.md); this client
 * reports that as {@link UpdateOutcome.NoUpdate} (the SDK only sees a failed upgrade).
 */
public final class NonosUpgradeClient {
    /** IoT_Demo's {@code pheadbuffer}, after the request line and Host. */
    static final String DEMO_HEADERS = "Connection: keep-alive\r\n"
            + "Cache-Control: no-cache\r\n"
            + "User-Agent: Mozilla/5.0 (Windows NT 5.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/30.0.1599.101 Safari/537.36 \r\n"
            + "Accept: */*\r\n";
    static final String DEMO_TAIL = "Accept-Encoding: gzip,deflate,sdch\r\n"
            + "Accept-Language: zh-CN,zh;q=0.8\r\n\r\n";
    /** {@code UPGRADE_FLAG_IDLE}: what {@code server->upgrade_flag} says after any failure. */
    static final int UPGRADE_FLAG_IDLE = 0;
    /** One TCP segment: the SDK's receive callback sees at most an MSS at a time. */
    static final int SEGMENT = 1460;

    /** How the application builds {@code server->url} for the file it must fetch. */
    @FunctionalInterface
    public interface Url {
        String path(String fileName);
    }

    private final Board board;
    private final String host;
    private final int port;
    private final Url url;
    private final String token;
    private final Duration connectTimeout;
    private final Duration checkTimes;
    private final TransferListener listener;

    private NonosUpgradeClient(Board board, String host, int port, Url url, String token, Duration connectTimeout,
                               Duration checkTimes, TransferListener listener) {
        this.board = board;
        this.host = host;
        this.port = port;
        this.url = url;
        this.token = token;
        this.connectTimeout = connectTimeout;
        this.checkTimes = checkTimes;
        this.listener = listener;
    }

    /** An application that asks Updraft: {@code /u/{product}/userN.bin?mac=..&version=..}. */
    public static NonosUpgradeClient updraft(Board board, URI server, String product, Identity identity, String version) {
        String base = server.getRawPath() == null ? "" : server.getRawPath().replaceAll("/+$", "");
        Url url = file -> base + "/u/" + product + "/" + file + "?mac=" + identity.staMac()
                + (version == null ? "" : "&version=" + URLEncoder.encode(version, StandardCharsets.UTF_8));
        return new NonosUpgradeClient(board, server.getHost(), HttpUpdateClient.port(server), url, null,
                Duration.ofSeconds(10), Duration.ofSeconds(120), TransferListener.NONE);
    }

    /** IoT_Demo sends {@code Authorization: token <devkey>}; Updraft reads it as a device token. */
    public NonosUpgradeClient token(String deviceToken) {
        return new NonosUpgradeClient(board, host, port, url, deviceToken, connectTimeout, checkTimes, listener);
    }

    /** The 10 s connect timer and the {@code check_times} timer (IoT_Demo: 120000 ms). */
    public NonosUpgradeClient timeouts(Duration connect, Duration overall) {
        return new NonosUpgradeClient(board, host, port, url, token, connect, overall, listener);
    }

    /** Told when the body starts going to flash. */
    public NonosUpgradeClient listener(TransferListener transferListener) {
        return new NonosUpgradeClient(board, host, port, url, token, connectTimeout, checkTimes, transferListener);
    }

    /** {@code user2.bin} when user1 runs, else {@code user1.bin}. */
    public String fileName() {
        if (!(board.state() instanceof BootResult.Booted booted)) {
            throw new IllegalStateException("nothing is running: " + board.state());
        }
        return booted.slot().name().equals("user1") ? "user2.bin" : "user1.bin";
    }

    /** The exact bytes the device sends. */
    public String request() {
        return "GET " + url.path(fileName()) + " HTTP/1.0\r\nHost: " + host + ":" + port + "\r\n" + DEMO_HEADERS
                + (token == null ? "" : "Authorization: token " + token + "\r\n") + DEMO_TAIL;
    }

    /** {@code system_upgrade_start}, run to its end: updated and rebooted, or the running slot kept. */
    public UpdateOutcome upgrade() {
        String request = request();
        long deadline = System.nanoTime() + checkTimes.toNanos();
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, connectTimeout.toMillis()));
                OutputStream out = socket.getOutputStream();
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                return failed("connect failed or timed out (10 s connect timer): " + e.getMessage());
            }
            InputStream in = socket.getInputStream();
            byte[] segment = new byte[SEGMENT];
            int n = read(socket, in, segment, deadline);
            if (n == -1) {
                return new UpdateOutcome.NoUpdate("closed without a response: the server has nothing for this device");
            }
            String first = new String(segment, 0, n, StandardCharsets.ISO_8859_1);
            int end = first.indexOf("\r\n\r\n");
            int cl = first.indexOf("Content-Length: ");
            if (end < 0 || cl < 0) {
                return failed("first segment lacks \"\\r\\n\\r\\n\" or \"Content-Length: \" (" + n + " bytes)");
            }
            int eol = first.indexOf("\r\n", cl);
            int sumlength = ResponseHead.toInt(first.substring(cl + "Content-Length: ".length(), eol < 0 ? first.length() : eol));
            if (eol < 0 || sumlength == 0) {
                return failed("Content-Length is missing or 0");
            }
            Updater updater = board.updater();
            SlotWriter writer;
            try {
                writer = updater.begin(sumlength);
            } catch (UpdateException e) {
                return failed(e.getMessage());
            }
            // The SDK never parses the status line; it is read here only for the log.
            listener.writing(first.startsWith("HTTP/1.") ? ResponseHead.toInt(first.substring(Math.min(9, first.length()))) : 0,
                    sumlength, writer.region().name());
            int body = end + 4;
            int total = 0;
            byte[] chunk = segment;
            int from = body;
            int count = n - body;
            while (true) {
                if (total + count > sumlength) {
                    return failed("more than Content-Length bytes arrived (" + (total + count) + " > " + sumlength + ")");
                }
                writer.write(chunk, from, count); // system_upgrade(ptr, length)
                total += count;
                if (total == sumlength) {
                    break;
                }
                from = 0;
                count = read(socket, in, chunk, deadline);
                if (count == -1) {
                    return failed("connection closed after " + total + " of " + sumlength + " bytes");
                }
            }
            StagedImage staged;
            try {
                staged = writer.finish(); // upgrade_crc_check
            } catch (UpdateException e) {
                return failed("upgrade_crc_check: " + e.getMessage());
            }
            updater.activate(staged); // system_upgrade_flag_set(UPGRADE_FLAG_FINISH) + userbin flag
            BootResult booted = board.reset(); // system_upgrade_reboot()
            return new UpdateOutcome.Updated(staged, booted);
        } catch (CheckTimesExpired e) {
            return failed("check_times timer expired after " + checkTimes.toMillis() + " ms");
        } catch (IOException e) {
            return failed("connection lost: " + e.getMessage());
        } catch (UpdateException e) {
            return failed(e.getMessage());
        }
    }

    /** One segment, or -1 at the peer's close; the remaining check_times budget bounds the wait. */
    private static int read(Socket socket, InputStream in, byte[] into, long deadline) throws IOException, CheckTimesExpired {
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new CheckTimesExpired();
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            try {
                int n = in.read(into, 0, into.length);
                if (n != 0) {
                    return n;
                }
            } catch (SocketTimeoutException e) {
                throw new CheckTimesExpired();
            }
        }
    }

    private static UpdateOutcome failed(String why) {
        return new UpdateOutcome.Failed(UPGRADE_FLAG_IDLE, why);
    }

    private static final class CheckTimesExpired extends Exception {
        CheckTimesExpired() {
            super(null, null, false, false);
        }
    }
}
