package org.updraft.device.receiver;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.flash.NorFlash;

/**
 * esp-link's flash CGIs on a NONOS board. Upstream reference: jeelabs/esp-link, commit cf329e8b,
 * {@code esp-link/cgiflash.c} ({@code check_header}, {@code cgiGetFirmwareNext},
 * {@code cgiUploadFirmware}, {@code cgiRebootFirmware}), {@code esp-link/cgi.c}
 * ({@code errorResponse}), {@code httpd/httpd.c} (framing, chunking, URL table, 404) and
 * {@code esp-link/main.c} ({@code builtInUrls}). docs/emulator-fidelity.md lists what differs.
 *
 * <p>Framing ({@code httpdStartResponse}): every answer starts {@code "HTTP/1.0 <code> OK|ERROR\r\n
 * Server: esp-link\r\nConnection: close\r\n"}; bodies without {@code Content-Length} end when the
 * connection closes; the connection is closed after every answer. Routes match exactly
 * ({@code os_strcmp}); anything else falls to the file-system catch-all, which the emulated
 * device does not have, so it gets esphttpd's built-in {@code "HTTP/1.0 404 Not Found"} with
 * {@code "Not Found.\r\n"}.
 * <ul>
 *   <li>{@code /flash/next}: 200 {@code text/plain}, {@code Content-Length: 9},
 *       {@code user1.bin} or {@code user2.bin}, the slot not running.</li>
 *   <li>{@code /flash/upload}: esphttpd hands the body to the CGI in 1024-byte chunks
 *       ({@code MAX_POST}). Only the first chunk is checked: the announced length
 *       ({@code > FIRMWARE_SIZE}: "Firmware image too large"; not a POST, no body or under 1024
 *       bytes: "Invalid request") and {@code check_header} (magic EA, 04, mode &lt;= 3, size code
 *       &lt;= 6, entry 0x4010xxxx, start offset 0). A refusal is a 400 {@code text/plain}
 *       close-delimited {@code "<reason>\r\n"} sent right after the first chunk, then the
 *       connection is closed whatever of the body is still coming. Otherwise every chunk is written
 *       raw to the other slot (the sector erased when a chunk starts one) and the last one is
 *       answered 200 with no body. Nothing else is checked: a truncated, stale or other-slot
 *       image whose first 32 bytes look right is written and answered 200.</li>
 *   <li>{@code /flash/reboot}: reads 32 bytes of the other slot, {@code check_header} (400 with the
 *       reason if bad), else 200 {@code Content-Length: 0} and a 2 s timer; when it fires the SDK
 *       flips the boot flag to the other slot ({@link NonosBoot#flipToOtherSlot}) and resets —
 *       whether or not an upload was accepted. Until then the device answers as before, from the
 *       running image.</li>
 * </ul>
 * Every route answers 400 "Flash too small for OTA update" below the 1 MB map ({@code canOTA}).
 */
public final class EspLinkReceiver extends PushReceiver {
    /** {@code FIRMWARE_SIZE} (esp-link Makefile, 512 KB slots): 0x7B000. */
    static final int FIRMWARE_SIZE = 503808;
    /** esphttpd hands POST bodies to the CGI in {@code MAX_POST}-byte chunks. */
    static final int CHUNK = 1024;
    static final String FLASH_TOO_SMALL = "Flash too small for OTA update";
    /** esp-link hard-codes the slots: user1 after the 4 KB boot sector, user2 after fw1, 16 KB user param and 4 KB. */
    static final int USER1_ADDRESS = 0x1000;
    static final int USER2_ADDRESS = 0x1000 + FIRMWARE_SIZE + 16 * 1024 + 4 * 1024;
    /** httpd.c {@code httpNotFoundHeader}: note it has no {@code Server} header. */
    static final String NOT_FOUND = "HTTP/1.0 404 Not Found\r\nConnection: close\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 12\r\n\r\nNot Found.\r\n";

    private final HttpLink link;
    private final NonosBoot boot;
    /** Uploads that ended with the connection (for tests: "the drop has been dealt with"). */
    final AtomicInteger aborted = new AtomicInteger();

    private EspLinkReceiver(Builder b) throws IOException {
        super(new Reboot(b.board, b.rebootDelay, true, b.bootTime, b.log));
        if (!(b.board.bootloader() instanceof NonosBoot nonos)) {
            throw new IllegalArgumentException("esp-link runs on NONOS SDK boards (NonosBoot), not "
                    + b.board.bootloader().name());
        }
        if (b.board.bootloader().map() == FlashMap.NONOS_4M_MAP6) {
            throw new IllegalArgumentException("esp-link's cgiflash.c hard-codes user2 at 0x81000 (512+512 maps);"
                    + " nonos-4m-map6 puts user2 at 0x101000");
        }
        this.boot = nonos;
        this.link = HttpLink.start(b.address, b.port, this::serve);
        reboot.network(new Reboot.Network() {
            @Override
            public void away() {
                link.away();
            }

            @Override
            public void back() throws IOException {
                link.back();
            }
        });
    }

    public static Builder builder(Board board) {
        return new Builder(board);
    }

    @Override
    public InetSocketAddress address() {
        return link.address();
    }

    @Override
    public void close() {
        link.close();
    }

    /** {@code canOTA}: "return map >= FLASH_SIZE_8M_MAP_512_512". */
    private boolean canOta() {
        return reboot.board().bootloader().map().flashSize() >= 0x100000;
    }

    private void serve(HttpLink.Request request, HttpLink.Connection connection) throws IOException {
        reboot.lock();
        try {
            if (!reboot.running() || link.gone(connection)) {
                return; // nothing runs: the connection is closed unanswered
            }
            switch (request.path()) {
                case "/flash/next" -> next(request, connection);
                case "/flash/upload" -> upload(request, connection);
                case "/flash/reboot" -> reboot(request, connection);
                default -> {
                    // "Drat, we're at the end of the URL table": the built-in 404, remaining body skipped
                    reboot.log("HTTP " + request.method() + " " + request.path() + ": 404");
                    connection.answer(NOT_FOUND);
                }
            }
        } finally {
            reboot.unlock();
        }
    }

    /** The slot the SDK reports running ({@code system_upgrade_userbin_check}), 1 or 2. */
    private int running() {
        return ((BootResult.Booted) reboot.board().state()).slot().name().equals("user1") ? 1 : 2;
    }

    /** Where cgiflash.c writes and checks: "id == 1 ? 4*1024 : 4*1024 + FIRMWARE_SIZE + 16*1024 + 4*1024". */
    private int otherSlotAddress() {
        return running() == 2 ? USER1_ADDRESS : USER2_ADDRESS;
    }

    private void next(HttpLink.Request request, HttpLink.Connection connection) throws IOException {
        skipBody(request, connection);
        if (!canOta()) {
            connection.answer(errorResponse(FLASH_TOO_SMALL));
            return;
        }
        String next = running() == 2 ? "user1.bin" : "user2.bin";
        connection.answer(startResponse(200) + "Content-Type: text/plain\r\nContent-Length: 9\r\n\r\n" + next);
    }

    /** {@code cgiUploadFirmware}, as esphttpd calls it once per 1024-byte chunk of the body. */
    private void upload(HttpLink.Request request, HttpLink.Connection connection) throws IOException {
        if (!canOta()) {
            connection.answer(errorResponse(FLASH_TOO_SMALL));
            return; // "conn->post->len = 0; // skip any remaining receives", then the close
        }
        // httpdParseHeader: "conn->post->len = atoi(h + i)"; no Content-Length: no body, no buffer
        long len = Math.max(0, request.contentLength());
        boolean post = request.method().equals("POST");
        InputStream in = connection.in;
        byte[] chunk = new byte[CHUNK];
        int address = otherSlotAddress();
        String slot = address == USER1_ADDRESS ? "user1" : "user2";
        NorFlash flash = reboot.board().flash();
        long offset = 0;
        do {
            int want = (int) Math.min(CHUNK, len - offset);
            int n;
            try {
                n = want == 0 ? 0 : in.readNBytes(chunk, 0, want);
            } catch (IOException reset) {
                n = -1;
            }
            if (n < want) {
                n = Math.max(n, 0);
                aborted.incrementAndGet();
                reboot.log(String.format(Locale.ROOT, "upload: connection dropped after %,d of %,d bytes;"
                        + " %s holds what was written so far", offset + n, len, slot));
                return; // connection gone mid-upload: nothing is answered
            }
            if (offset == 0) {
                String err = null;
                if (len > FIRMWARE_SIZE) {
                    err = "Firmware image too large";
                }
                if (len == 0 || !post || len < 1024) {
                    err = "Invalid request";
                }
                if (err == null) {
                    err = checkHeader(chunk);
                }
                if (err != null) {
                    reboot.log(String.format(Locale.ROOT, "upload refused after the first %,d bytes: %s"
                            + " (400, connection closed)", n, err));
                    connection.answer(startResponse(400) + "Content-Type: text/plain\r\n\r\n" + err + "\r\n");
                    return;
                }
            }
            // "if (address % SPI_FLASH_SEC_SIZE == 0) spi_flash_erase_sector(...); spi_flash_write(...)"
            int at = (int) (address + offset);
            if (at % NorFlash.SECTOR_SIZE == 0) {
                flash.eraseSector(at);
            }
            flash.programPages(at, java.util.Arrays.copyOf(chunk, n));
            offset += n;
        } while (offset < len);
        reboot.log(String.format(Locale.ROOT, "upload: %,d bytes written to %s at 0x%05X (first 1024 bytes checked,"
                + " nothing else)", len, slot, address));
        connection.answer(startResponse(200) + "\r\n");
    }

    private void reboot(HttpLink.Request request, HttpLink.Connection connection) throws IOException {
        skipBody(request, connection);
        if (!canOta()) {
            connection.answer(errorResponse(FLASH_TOO_SMALL));
            return;
        }
        // "sanity-check that the 'next' partition actually contains something that looks like
        // valid firmware": spi_flash_read(address, buf, 32); check_header(buf)
        int address = otherSlotAddress();
        String err = checkHeader(reboot.board().flash().read(address, 32));
        if (err != null) {
            reboot.log("reboot refused: " + err + " at 0x" + Integer.toHexString(address) + " (400)");
            connection.answer(startResponse(400) + "Content-Type: text/plain\r\n\r\n" + err + "\r\n");
            return;
        }
        BootResult.Booted running = (BootResult.Booted) reboot.board().state();
        String target = address == USER1_ADDRESS ? "user1" : "user2";
        // "system_upgrade_flag_set(UPGRADE_FLAG_FINISH); os_timer_arm(&flash_reboot_timer, 2000, 1)";
        // the timer calls system_upgrade_reboot, which flips the boot flag and resets.
        reboot.schedule(() -> {
            boot.flipToOtherSlot(reboot.board().flash(), running);
            reboot.log("reboot: boot flag flipped to " + target + " (its header passed; nothing else was checked)");
        });
        reboot.log("reboot: armed, " + target + "'s header passes check_header");
        connection.answer(startResponse(200) + "Content-Length: 0\r\n\r\n");
    }

    /** A GET's body (if any) is not the CGI's business; read what is announced so the answer is not a reset. */
    private static void skipBody(HttpLink.Request request, HttpLink.Connection connection) throws IOException {
        long len = request.contentLength();
        if (len > 0 && len <= HttpLink.MAX_HEAD) {
            connection.in.readNBytes((int) len);
        }
    }

    /** {@code httpdStartResponse}: status line, {@code Server} and {@code Connection} headers. */
    static String startResponse(int code) {
        return "HTTP/1.0 " + code + " " + (code < 400 ? "OK" : "ERROR") + "\r\nServer: esp-link\r\nConnection: close\r\n";
    }

    /** cgi.c {@code errorResponse}: no-cache headers, no content type, the bare message, close-delimited. */
    static String errorResponse(String message) {
        return startResponse(400) + "Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\n"
                + "Expires: 0\r\n\r\n" + message;
    }

    /**
     * {@code check_header}: "Check that the header of the firmware blob looks like actual
     * firmware...".
     */
    static String checkHeader(byte[] buf) {
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        int cd0 = buf[0] & 0xFF;
        int cd1 = buf[1] & 0xFF;
        int cd2 = buf[2] & 0xFF;
        int cd3 = buf[3] & 0xFF;
        if (cd0 != 0xEA) {
            return "IROM magic missing";
        }
        if (cd1 != 4 || cd2 > 3 || (cd3 >> 4) > 6) {
            return "bad flash header";
        }
        if ((b.getShort(6) & 0xFFFF) != 0x4010) {
            return "Invalid entry addr";
        }
        if (b.getInt(8) != 0) {
            return "Invalid start offset";
        }
        return null;
    }

    /** Settings: address 127.0.0.1, port 0 (any free), reboot delay 2 s as esp-link's timer, no boot time, no log. */
    public static final class Builder {
        private final Board board;
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port;
        private Duration rebootDelay = Duration.ofSeconds(2);
        private Duration bootTime = Duration.ZERO;
        private Consumer<String> log = line -> { };

        private Builder(Board board) {
            this.board = board;
        }

        public Builder address(InetAddress address) {
            this.address = address;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Between the 200 of {@code /flash/reboot} and the reset; the device keeps serving meanwhile. */
        public Builder rebootDelay(Duration delay) {
            this.rebootDelay = delay;
            return this;
        }

        /** How long the device is off the network after the reset (boot loader, SDK start, Wi-Fi join). */
        public Builder bootTime(Duration bootTime) {
            this.bootTime = bootTime;
            return this;
        }

        /** Where the device's own account of what it did goes, one line per event. */
        public Builder log(Consumer<String> log) {
            this.log = log;
            return this;
        }

        public EspLinkReceiver start() throws IOException {
            return new EspLinkReceiver(this);
        }
    }
}
