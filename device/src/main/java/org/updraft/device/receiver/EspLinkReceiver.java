package org.updraft.device.receiver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.Region;
import org.updraft.device.boot.SlotWriter;
import org.updraft.device.boot.StagedImage;
import org.updraft.device.boot.UpdateException;
import org.updraft.device.boot.Updater;

/**
 * esp-link's flash CGIs (jeelabs/esp-link {@code esp-link/cgiflash.c}) serving a NONOS board:
 * <ul>
 *   <li>{@code GET /flash/next}: 200 {@code text/plain}, {@code Content-Length: 9}, {@code user1.bin}
 *       or {@code user2.bin}, the slot not running ({@code cgiGetFirmwareNext}).</li>
 *   <li>{@code POST /flash/upload}: the raw body is written to the other slot
 *       ({@code cgiUploadFirmware}); 400 {@code text/plain} {@code "<reason>\r\n"} for
 *       "Firmware image too large", "Invalid request" and the {@code check_header} reasons; 200 with
 *       an empty body when all of it was written.</li>
 *   <li>{@code GET /flash/reboot}: re-reads the slot header ({@code check_header}, 400 if bad), then
 *       200 {@code Content-Length: 0}, {@code UPGRADE_FLAG_FINISH} and
 *       {@code system_upgrade_reboot} after the reboot delay (2 s in esp-link)
 *       ({@code cgiRebootFirmware}).</li>
 * </ul>
 * Every route answers 400 "Flash too small for OTA update" below the 1 MB map ({@code canOTA}).
 *
 * <p>Where the emulated board is stricter than esp-link, it says so rather than flash: the slot
 * ends 4 KiB before esp-link's {@code FIRMWARE_SIZE} (the RF calibration sector), an upload that
 * does not fit is answered like one above {@code FIRMWARE_SIZE}; a complete upload that the
 * board's structural check refuses is answered 400 with that check's reason (esp-link would answer
 * 200; for a corrupt image the NONOS boot check would fall back to the running slot, for a build
 * linked for the other slot — {@code check_header} cannot tell — the real chip would crash-loop,
 * see {@link NonosBoot}); and {@code /flash/reboot}
 * after an interrupted or refused upload reboots without moving the flag (the NONOS boot check would
 * find the half-written slot invalid and boot the running one anyway).
 */
public final class EspLinkReceiver implements AutoCloseable {
    /** {@code FIRMWARE_SIZE} (esp-link Makefile, 512 KB slots): 0x7B000. */
    static final int FIRMWARE_SIZE = 503808;
    /** esphttpd hands POST bodies to the CGI in {@code MAX_POST}-byte chunks. */
    static final int CHUNK = 1024;
    static final String FLASH_TOO_SMALL = "Flash too small for OTA update";

    private final Reboot reboot;
    private final HttpServer server;
    private final ExecutorService executor;
    private StagedImage staged;
    /** Uploads that ended with the connection (for tests: "the drop has been dealt with"). */
    final java.util.concurrent.atomic.AtomicInteger aborted = new java.util.concurrent.atomic.AtomicInteger();

    private EspLinkReceiver(Builder b) throws IOException {
        if (!(b.board.bootloader() instanceof NonosBoot)) {
            throw new IllegalArgumentException("esp-link runs on NONOS SDK boards (NonosBoot), not "
                    + b.board.bootloader().name());
        }
        if (b.board.bootloader().map() == FlashMap.NONOS_4M_MAP6) {
            throw new IllegalArgumentException("esp-link's cgiflash.c hard-codes user2 at 0x81000 (512+512 maps);"
                    + " nonos-4m-map6 puts user2 at 0x101000");
        }
        this.reboot = new Reboot(b.board, b.rebootDelay);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.server = HttpServer.create(new InetSocketAddress(b.address, b.port), 16);
        server.setExecutor(executor);
        server.createContext("/flash/next", this::next);
        server.createContext("/flash/upload", this::upload);
        server.createContext("/flash/reboot", this::reboot);
        server.start();
    }

    public static Builder builder(Board board) {
        return new Builder(board);
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Software resets done so far. */
    public int reboots() {
        return reboot.count();
    }

    /** Blocks until a scheduled reboot has happened. */
    public void awaitRunning() {
        reboot.awaitRunning();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** {@code canOTA}: "return map >= FLASH_SIZE_8M_MAP_512_512". */
    private boolean canOta() {
        return reboot.board().bootloader().map().flashSize() >= 0x100000;
    }

    private void next(HttpExchange ex) throws IOException {
        try (ex) {
            reboot.lock();
            try {
                if (!reboot.running()) {
                    return; // nothing runs: no answer
                }
                if (!canOta()) {
                    errorResponse(ex);
                    return;
                }
                // system_upgrade_userbin_check(): the running slot; "next = id == 1 ? user1.bin : user2.bin"
                String running = ((BootResult.Booted) reboot.board().state()).slot().name();
                byte[] body = (running.equals("user1") ? "user2.bin" : "user1.bin").getBytes(StandardCharsets.US_ASCII);
                ex.getResponseHeaders().set("Content-Type", "text/plain");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            } finally {
                reboot.unlock();
            }
        }
    }

    private void upload(HttpExchange ex) throws IOException {
        try (ex) {
            reboot.lock();
            try {
                if (!reboot.running()) {
                    return;
                }
                if (!canOta()) {
                    drain(ex.getRequestBody());
                    errorResponse(ex);
                    return;
                }
                staged = null;
                try {
                    receive(ex);
                } catch (IOException e) {
                    aborted.incrementAndGet();
                    throw e;
                }
            } finally {
                reboot.unlock();
            }
        }
    }

    /** {@code cgiUploadFirmware}, called by esphttpd once per 1024-byte chunk of the body. */
    private void receive(HttpExchange ex) throws IOException {
        String header = ex.getRequestHeaders().getFirst("Content-Length");
        long len = header == null ? 0 : Long.parseLong(header.trim());
        String err = null;
        if (len > FIRMWARE_SIZE) {
            err = "Firmware image too large";
        }
        if (!ex.getRequestMethod().equals("POST") || len < 1024) {
            err = "Invalid request";
        }
        InputStream in = ex.getRequestBody();
        Updater updater = reboot.board().updater();
        SlotWriter writer = null;
        byte[] chunk = new byte[CHUNK];
        long offset = 0;
        while (offset < len) {
            int n = in.readNBytes(chunk, 0, (int) Math.min(CHUNK, len - offset));
            if (n == 0) {
                aborted.incrementAndGet();
                return; // connection dropped mid-upload: nothing is answered, nothing activated
            }
            if (err == null && offset == 0) {
                err = checkHeader(chunk);
                if (err == null) {
                    try {
                        writer = updater.begin((int) len);
                    } catch (UpdateException e) {
                        err = "Firmware image too large"; // the emulated slot stops at the RF cal sector
                    }
                }
            }
            if (err == null) {
                try {
                    writer.write(chunk, 0, n);
                } catch (UpdateException e) {
                    err = e.getMessage();
                }
            }
            offset += n;
        }
        drain(in);
        if (err == null && writer != null) {
            try {
                staged = writer.finish();
            } catch (UpdateException e) {
                err = e.getMessage();
            }
        } else if (err == null) {
            err = "Invalid request";
        }
        if (err != null) {
            // "httpdStartResponse(connData, code); Content-Type text/plain; httpdSend(err); httpdSend("\r\n")"
            sendText(ex, 400, err + "\r\n");
            return;
        }
        ex.sendResponseHeaders(200, -1);
    }

    private void reboot(HttpExchange ex) throws IOException {
        try (ex) {
            reboot.lock();
            try {
                if (!reboot.running()) {
                    return;
                }
                if (!canOta()) {
                    errorResponse(ex);
                    return;
                }
                // "sanity-check that the 'next' partition actually contains something that looks like
                // valid firmware": spi_flash_read(address, buf, 32); check_header(buf)
                Updater updater = reboot.board().updater();
                Region target = updater.target();
                String err = checkHeader(reboot.board().flash().read(target.offset(), 32));
                if (err != null) {
                    sendText(ex, 400, err + "\r\n");
                    return;
                }
                if (staged != null && staged.region().equals(target)) {
                    updater.activate(staged); // system_upgrade_flag_set(UPGRADE_FLAG_FINISH)
                }
                staged = null;
                reboot.schedule();
                ex.getResponseHeaders().set("Content-Length", "0");
                ex.sendResponseHeaders(200, -1);
            } finally {
                reboot.unlock();
            }
        }
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

    /** cgi.c {@code errorResponse}: no-cache headers, no content type, the bare message. */
    private static void errorResponse(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-cache, no-store, must-revalidate");
        ex.getResponseHeaders().set("Pragma", "no-cache");
        ex.getResponseHeaders().set("Expires", "0");
        byte[] body = FLASH_TOO_SMALL.getBytes(StandardCharsets.US_ASCII);
        ex.sendResponseHeaders(400, body.length);
        ex.getResponseBody().write(body);
    }

    private static void sendText(HttpExchange ex, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
    }

    /** Settings: address 127.0.0.1, port 0 (any free), reboot delay 2 s as esp-link's timer. */
    public static final class Builder {
        private final Board board;
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port;
        private Duration rebootDelay = Duration.ofSeconds(2);

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

        public Builder rebootDelay(Duration delay) {
            this.rebootDelay = delay;
            return this;
        }

        public EspLinkReceiver start() throws IOException {
            return new EspLinkReceiver(this);
        }
    }
}
