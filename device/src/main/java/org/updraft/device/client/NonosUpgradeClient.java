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
 * ESP8266 NONOS SDK {@code system_upgrade_start(struct upgrade_server_info *server)}, checking
 * exactly what the SDK checks and nothing more. Upstream reference: Espressif's upgrade code,
 * {@code upgrade.c} with {@code upgrade_lib.c} (as vendored by nodemcu-firmware,
 * {@code app/upgrade/}), and the {@code upgrade_crc_check} that later SDKs (the 2.x line, whose
 * v2.2.1 this emulator's NONOS profiles follow; the {@code upgrade.c} of Espressif's RTOS-based
 * platform code shows the same function) run when the download is complete; IoT_Demo
 * {@code user_esp_platform.c} for the application side:
 * <ul>
 *   <li>the application builds {@code server->url} and the SDK sends it verbatim; the file is
 *       {@code user2.bin} when {@code system_upgrade_userbin_check() == UPGRADE_FW_BIN1} (user1
 *       running), else {@code user1.bin};</li>
 *   <li>{@code upgrade_download}: the <em>first</em> segment must contain {@code "\r\n\r\n"} and
 *       {@code "Content-Length: "}; the status code is never looked at; every body byte goes
 *       straight to the other slot ({@code system_upgrade}: erase each sector as the write
 *       reaches it, then {@code spi_flash_write}) — an HTML error page as much as an image;</li>
 *   <li>when {@code totallength == sumlength}, {@code upgrade_crc_check(fw_bin_sec, sumlength)}
 *       compares the last 4 bytes with the CRC of the {@code sumlength - 4} bytes before them
 *       (gen_appbin's CRC, the v2 image CRC); that is the <em>only</em> look at the content. No
 *       magic byte, no header, no flash size, no check that the image was linked for the slot it
 *       is in. A match sets {@code UPGRADE_FLAG_FINISH}, and the application's callback calls
 *       {@code system_upgrade_reboot()}, which flips the boot flag to the other slot because the
 *       flag says FINISH (nothing else is looked at) and resets;</li>
 *   <li>failures — 10 s connect timer, the {@code check_times} timer, an early close, a CRC
 *       mismatch — leave {@code UPGRADE_FLAG_IDLE} and keep the running slot; the other slot
 *       keeps whatever was written into it (its previous image is gone).</li>
 * </ul>
 * So the build linked for the other slot (right CRC) is written and selected, and what runs then
 * is up to the boot loader: Espressif's boot.bin ({@code NonosBoot.stock}) jumps into it and the
 * chip crash-loops; Updraft's verifying {@code NonosBoot} falls back (docs/emulator-fidelity.md).
 * The older SDK code vendored by nodemcu-firmware has no CRC check at all (it sets FINISH as soon
 * as Content-Length bytes arrived); this client follows the later SDKs, and the difference is
 * listed in docs/emulator-fidelity.md.
 *
 * <p>Updraft answers a device it has nothing for by closing without a byte (the NONOS rule of
 * docs/device-contract.md); this client reports
 * that as {@link UpdateOutcome.NoUpdate} (the SDK only sees a failed upgrade).
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
            DownloadCrc crc = new DownloadCrc(sumlength);
            int total = 0;
            byte[] chunk = segment;
            int from = body;
            int count = n - body;
            while (true) {
                if (total + count > sumlength) {
                    return failed("more than Content-Length bytes arrived (" + (total + count) + " > " + sumlength + ")");
                }
                writer.write(chunk, from, count); // system_upgrade(ptr, length)
                crc.update(chunk, from, count);
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
            // The slot is read back and compared with what arrived (the SDK's CRC check reads
            // flash too), but not validated as an image: the SDK does not.
            StagedImage staged = writer.finishUnchecked(sumlength, false);
            String mismatch = crc.problem();
            if (mismatch != null) {
                return failed("upgrade_crc_check: " + mismatch);
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

    /**
     * {@code upgrade_crc_check}: {@code calc_img_crc(sumlength - 4)} over what was written, then
     * compared with the 4 bytes stored after it. The value is the v2 image CRC as gen_appbin and
     * esptool compute it (zlib CRC-32, then {@code ^ 0xFFFFFFFF} if bit 31 is set, else
     * {@code + 1}; core's {@code Checksums.esp8266V2Crc}), so a correctly built user bin passes
     * whatever it contains. Fed the body as it arrives; the stored word is the last 4 bytes.
     */
    private static final class DownloadCrc {
        private final int covered;
        private final java.util.zip.CRC32 crc32 = new java.util.zip.CRC32();
        private final byte[] stored = new byte[4];
        private int seen;

        DownloadCrc(int sumlength) {
            this.covered = sumlength - 4;
        }

        void update(byte[] data, int offset, int count) {
            for (int at = Math.max(seen, covered); at < Math.min(seen + count, covered + 4); at++) {
                stored[at - covered] = data[offset + at - seen];
            }
            int crcBytes = Math.max(0, Math.min(count, covered - seen));
            crc32.update(data, offset, crcBytes);
            seen += count;
        }

        /** Null when the stored word matches; otherwise what the SDK would have printed. */
        String problem() {
            if (covered < 0) {
                return "only " + seen + " bytes, no room for a CRC";
            }
            long c = crc32.getValue();
            long computed = (c & 0x8000_0000L) != 0 ? c ^ 0xFFFF_FFFFL : (c + 1) & 0xFFFF_FFFFL;
            long flash = (stored[0] & 0xFFL) | (stored[1] & 0xFFL) << 8 | (stored[2] & 0xFFL) << 16
                    | (stored[3] & 0xFFL) << 24;
            return computed == flash ? null : String.format("upgrade crc check failed: img_crc 0x%08X, flash_crc 0x%08X"
                    + " (the last 4 of the %d bytes written)", computed, flash, seen);
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
