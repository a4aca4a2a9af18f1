package org.updraft.device.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.OptionalInt;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.SlotWriter;
import org.updraft.device.boot.StagedImage;
import org.updraft.device.boot.UpdateException;
import org.updraft.device.boot.Updater;

/**
 * The stock pull client of both Arduino cores, on an emulated {@link Board}, over a plain socket:
 * ESP8266 {@code ESP8266httpUpdate::handleUpdate} (libraries/ESP8266httpUpdate) and ESP32
 * {@code HTTPUpdate::handleUpdate} (arduino-esp32 libraries/HTTPUpdate). Request bytes are those
 * of the stock clients as docs/device-contract.md describes them (HTTP/1.0, {@code Connection: close}, the
 * {@code x-ESP8266-*} / {@code x-ESP32-*} set computed from the emulated flash); the reaction to
 * the answer is the stock one, code for code.
 *
 * <p>The body is streamed into the inactive slot as it arrives ({@code Update.writeStream}); a
 * drop or stall mid-transfer leaves a partly written inactive slot and the running image intact.
 * On success the update is activated and the chip reset ({@code ESP.restart()}).
 */
public final class HttpUpdateClient {

    /** Which core's client: the header prefix, the checks on the first bytes, the Updater texts. */
    public enum Core { ESP8266, ESP32 }

    // ESP8266httpUpdate.h / HTTPUpdate.h
    static final int TOO_LESS_SPACE = -100;
    static final int SERVER_NOT_REPORT_SIZE = -101;
    static final int SERVER_FILE_NOT_FOUND = -102;
    static final int SERVER_FORBIDDEN = -103;
    static final int SERVER_WRONG_HTTP_CODE = -104;
    static final int SERVER_FAULTY_MD5 = -105;
    static final int BIN_VERIFY_HEADER_FAILED = -106;
    static final int BIN_FOR_WRONG_FLASH = -107;
    static final int SERVER_UNAUTHORIZED = -108;

    /** Stock {@code HTTPClient} default timeout, used by httpUpdate ({@code _httpClientTimeout}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(8000);

    private final Core core;
    private final Board board;
    private final Identity identity;
    private final String version;
    private final Duration timeout;
    private final SignatureVerifier verifier;
    private final TransferListener listener;

    private HttpUpdateClient(Core core, Board board, Identity identity, String version, Duration timeout,
                             SignatureVerifier verifier, TransferListener listener) {
        this.core = core;
        this.board = board;
        this.identity = identity;
        this.version = version;
        this.timeout = timeout;
        this.verifier = verifier;
        this.listener = listener;
    }

    /** {@code ESPhttpUpdate} on an Arduino ESP8266 board. */
    public static HttpUpdateClient esp8266(Board board, Identity identity) {
        return new HttpUpdateClient(Core.ESP8266, board, identity, null, DEFAULT_TIMEOUT, null, TransferListener.NONE);
    }

    /** {@code httpUpdate} on an Arduino-ESP32 board. */
    public static HttpUpdateClient esp32(Board board, Identity identity) {
        return new HttpUpdateClient(Core.ESP32, board, identity, null, DEFAULT_TIMEOUT, null, TransferListener.NONE);
    }

    /** {@code update(client, url, currentVersion)}: sent as {@code x-*-version} when not empty. */
    public HttpUpdateClient version(String currentVersion) {
        return new HttpUpdateClient(core, board, identity, currentVersion, timeout, verifier, listener);
    }

    /** {@code setTimeout}/{@code _httpClientTimeout}: connect, header and stream read timeout. */
    public HttpUpdateClient timeout(Duration readTimeout) {
        return new HttpUpdateClient(core, board, identity, version, readTimeout, verifier, listener);
    }

    /** {@code Update.installSignature(hash, verifier)} (ESP8266 only): x-MD5 is then not compared. */
    public HttpUpdateClient signatureVerifier(SignatureVerifier signatureVerifier) {
        if (core != Core.ESP8266) {
            throw new IllegalArgumentException("signed updates are an Arduino ESP8266 Updater feature");
        }
        return new HttpUpdateClient(core, board, identity, version, timeout, signatureVerifier, listener);
    }

    /** Told when the body starts going to flash. */
    public HttpUpdateClient listener(TransferListener transferListener) {
        return new HttpUpdateClient(core, board, identity, version, timeout, verifier, transferListener);
    }

    public Core core() {
        return core;
    }

    /** The exact request bytes for {@code url}, as computed from the board's flash right now. */
    public String request(URI url) {
        return request(url, "sketch");
    }

    /**
     * The request of {@code handleUpdate(http, currentVersion, spiffs)}: {@code mode} "sketch" for
     * {@code update}, "spiffs" for {@code updateFS} / {@code updateSpiffs} ({@link FilesystemUpdateClient}).
     */
    String request(URI url, String mode) {
        Running running = running();
        String p = core == Core.ESP8266 ? "x-ESP8266-" : "x-ESP32-";
        StringBuilder r = new StringBuilder();
        // HTTPClient::sendHeader: request line, Host (":port" unless 80/443), User-Agent, Connection.
        r.append("GET ").append(pathOf(url)).append(" HTTP/1.0\r\n");
        r.append("Host: ").append(url.getHost()).append(port(url) == 80 || port(url) == 443 ? "" : ":" + port(url)).append("\r\n");
        r.append("User-Agent: ").append(core == Core.ESP8266 ? "ESP8266-http-Update" : "ESP32-http-Update").append("\r\n");
        r.append("Connection: close\r\n");
        // Then the headers handleUpdate added, in the order it added them.
        if (core == Core.ESP8266) {
            r.append(p).append("Chip-ID: ").append(identity.chipId()).append("\r\n");
            r.append(p).append("STA-MAC: ").append(identity.staMac()).append("\r\n");
            r.append(p).append("AP-MAC: ").append(identity.esp8266ApMac()).append("\r\n");
        } else {
            r.append("Cache-Control: no-cache\r\n");
            r.append(p).append("STA-MAC: ").append(identity.staMac()).append("\r\n");
            r.append(p).append("AP-MAC: ").append(identity.esp32ApMac()).append("\r\n");
        }
        r.append(p).append("free-space: ").append(running.freeSpace).append("\r\n");
        r.append(p).append("sketch-size: ").append(running.sketchSize).append("\r\n");
        r.append(p).append("sketch-md5: ").append(running.sketchMd5).append("\r\n");
        if (core == Core.ESP32) {
            r.append(p).append("sketch-sha256: ").append(running.sketchSha256).append("\r\n");
        }
        r.append(p).append("chip-size: ").append(board.flash().size()).append("\r\n");
        r.append(p).append("sdk-version: ").append(identity.sdkVersion()).append("\r\n");
        r.append(p).append("mode: ").append(mode).append("\r\n");
        if (version != null && !version.isEmpty()) {
            r.append(p).append("version: ").append(version).append("\r\n");
        }
        // HTTPClient::sendRequest adds Content-Length for every request (0 for a GET).
        r.append("Content-Length: 0\r\n\r\n");
        return r.toString();
    }

    /** {@code ESPhttpUpdate.update(client, url, version)} / {@code httpUpdate.update(...)}. */
    public UpdateOutcome update(URI url) {
        String request = request(url);
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(url.getHost(), port(url)), millis);
                socket.setSoTimeout(millis);
                OutputStream out = socket.getOutputStream();
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                return failed(ResponseHead.CONNECTION_FAILED, "connection failed");
            }
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1460);
            ResponseHead head = ResponseHead.read(in);
            int len = head.size();
            // handleUpdate: switch(code)
            return switch (head.status()) {
                case 200 -> len > 0 ? download(in, len, head.header("x-MD5"))
                        : failed(SERVER_NOT_REPORT_SIZE, "Server Did Not Report Size");
                case 304 -> new UpdateOutcome.NoUpdate("304 Not Modified");
                case 404 -> failed(SERVER_FILE_NOT_FOUND, "File Not Found (404)");
                case 403 -> failed(SERVER_FORBIDDEN, "Forbidden (403)");
                // ESP32 HTTPUpdate has no 401 case: it falls to default (-104).
                case 401 -> core == Core.ESP8266 ? failed(SERVER_UNAUTHORIZED, "Unauthorized (401)")
                        : failed(SERVER_WRONG_HTTP_CODE, "Wrong HTTP Code");
                default -> failed(SERVER_WRONG_HTTP_CODE, "Wrong HTTP Code");
            };
        } catch (ResponseHead.ClientError e) {
            return failed(e.code, e.getMessage());
        } catch (IOException e) {
            return failed(ResponseHead.CONNECTION_LOST, "connection lost");
        }
    }

    /** {@code case HTTP_CODE_OK} with {@code len > 0}: space check, header peek, runUpdate. */
    private UpdateOutcome download(InputStream in, int len, String md5) throws IOException {
        Updater updater = board.updater();
        // if (len > (int) ESP.getFreeSketchSpace()) -> HTTP_UE_TOO_LESS_SPACE
        if (len > updater.capacity()) {
            return failed(TOO_LESS_SPACE, "Not Enough space");
        }
        // tcp->peekBytes(&buf[0], 4) != 4 -> HTTP_UE_BIN_VERIFY_HEADER_FAILED (ESP32 peeks 1 byte)
        int peekLength = core == Core.ESP8266 ? 4 : 1;
        byte[] peek = peek(in, peekLength);
        if (peek.length != peekLength) {
            return failed(BIN_VERIFY_HEADER_FAILED, "Verify Bin Header Failed");
        }
        int magic = peek[0] & 0xFF;
        // ESP8266: buf[0] != 0xE9 && buf[0] != 0x1f; ESP32: buf[0] != 0xE9
        if (magic != 0xE9 && !(core == Core.ESP8266 && magic == 0x1F)) {
            return failed(BIN_VERIFY_HEADER_FAILED, "Verify Bin Header Failed");
        }
        // ESP8266: ESP.magicFlashChipSize((buf[3] & 0xf0) >> 4) > ESP.getFlashChipRealSize()
        if (core == Core.ESP8266 && magic == 0xE9 && magicFlashChipSize((peek[3] & 0xF0) >> 4) > board.flash().size()) {
            return failed(BIN_FOR_WRONG_FLASH, "New Binary Does Not Fit Flash Size");
        }
        return runUpdate(in, updater, len, md5);
    }

    /** {@code ESP8266HTTPUpdate::runUpdate}: Update.begin, setMD5, writeStream, end. */
    private UpdateOutcome runUpdate(InputStream in, Updater updater, int size, String md5) {
        SlotWriter writer;
        try {
            writer = updater.begin(size);
        } catch (UpdateException e) {
            // ESP8266 Update.begin: UPDATE_ERROR_SPACE; ESP32: size > partition -> UPDATE_ERROR_SIZE
            return core == Core.ESP8266 ? updateError(4, "Not Enough Space") : updateError(5, "Bad Size Given");
        }
        // Update.setMD5: false unless strlen == 32 -> HTTP_UE_SERVER_FAULTY_MD5
        if (!md5.isEmpty() && md5.length() != 32) {
            return failed(SERVER_FAULTY_MD5, "Wrong MD5");
        }
        listener.writing(200, size, writer.region().name());
        MessageDigest digest = md5Digest();
        byte[] written = new byte[size];
        int done;
        try {
            done = writeStream(in, writer, digest, written);
        } catch (UpdateException e) {
            return updateError(1, "Flash Write Failed");
        }
        if (done != size) {
            return updateError(6, "Stream Read Timeout");
        }
        int imageLength = size;
        SignatureVerifier installed = installedVerifier();
        if (installed != null) {
            // Updater::end with _verify: trailing u32 == _verify->length(), then verify; else ERROR[12].
            // "} else if (_target_md5.length())": x-MD5 is not compared at all.
            OptionalInt binSize = installed.imageLength(written);
            if (binSize.isEmpty()) {
                return updateError(12, "Signature verification failed");
            }
            imageLength = binSize.getAsInt();
        } else if (!md5.isEmpty() && !md5.equalsIgnoreCase(HexFormat.of().formatHex(digest.digest()))) {
            // Updater::end: strcasecmp(_target_md5, _md5.toString()) -> UPDATE_ERROR_MD5
            return core == Core.ESP8266 ? updateError(7, "MD5 verification failed") : updateError(7, "MD5 Check Failed");
        }
        StagedImage staged;
        try {
            staged = writer.finish(imageLength);
        } catch (UpdateException e) {
            // Updater::_verifyEnd / esp_ota_end: the written image is not bootable.
            return core == Core.ESP8266 ? updateError(10, "Magic byte is not 0xE9 (" + e.getMessage() + ")")
                    : updateError(8, "Wrong Magic Byte (" + e.getMessage() + ")");
        }
        updater.activate(staged);
        // HTTP_UPDATE_OK: http.end(); if (_rebootOnUpdate) ESP.restart();
        BootResult booted = board.reset();
        return new UpdateOutcome.Updated(staged, booted);
    }

    /**
     * The verifier {@code signatureVerifier} set, else the one for the key installed on the board
     * ({@link Board#installPublicKey}): ESP8266 only, Arduino-ESP32's Updater has no such hook.
     */
    SignatureVerifier installedVerifier() {
        if (verifier != null || core != Core.ESP8266) {
            return verifier;
        }
        return board.publicKey().map(SignatureVerifier::esp8266).orElse(null);
    }

    Board board() {
        return board;
    }

    Duration timeout() {
        return timeout;
    }

    TransferListener listener() {
        return listener;
    }

    private UpdateOutcome failed(int code, String message) {
        return new UpdateOutcome.Failed(code, message);
    }

    /** Positive codes come from the Updater: ESP8266 prints "ERROR[n]: text", ESP32 the text. */
    private UpdateOutcome updateError(int code, String text) {
        return new UpdateOutcome.Failed(code, core == Core.ESP8266 ? "ERROR[" + code + "]: " + text : text);
    }

    /**
     * Updater::writeStream: 1460-byte pieces into flash, the MD5 and a copy, until {@code written} is full. Returns the
     * bytes that arrived (fewer: a stream timeout or a broken connection, UPDATE_ERROR_STREAM); a refused write throws.
     */
    static int writeStream(InputStream in, SlotWriter writer, MessageDigest digest, byte[] written) throws UpdateException {
        byte[] buf = new byte[1460];
        int done = 0;
        try {
            while (done < written.length) {
                int n = in.read(buf, 0, Math.min(buf.length, written.length - done));
                if (n < 0) {
                    break;
                }
                writer.write(buf, 0, n);
                digest.update(buf, 0, n);
                System.arraycopy(buf, 0, written, done, n);
                done += n;
            }
        } catch (SocketTimeoutException e) {
            // nothing for the stream timeout
        } catch (IOException e) {
            // connection reset: readBytes returns 0, same error
        }
        return done;
    }

    private static byte[] peek(InputStream in, int n) throws IOException {
        in.mark(n);
        byte[] b = new byte[n];
        int got = 0;
        try {
            while (got < n) {
                int r = in.read(b, got, n - got);
                if (r < 0) {
                    break;
                }
                got += r;
            }
        } catch (SocketTimeoutException e) {
            // peekBytes gives up after the stream timeout
        }
        in.reset();
        return Arrays.copyOf(b, got);
    }

    /** {@code EspClass::magicFlashChipSize}: header size code to bytes (0 for unknown codes). */
    static long magicFlashChipSize(int code) {
        return switch (code) {
            case 0 -> 512L * 1024;
            case 1 -> 256L * 1024;
            case 2 -> 1024L * 1024;
            case 3 -> 2048L * 1024;
            case 4 -> 4096L * 1024;
            case 8 -> 8192L * 1024;
            case 9 -> 16384L * 1024;
            default -> 0;
        };
    }

    /** What the running sketch reports about itself, from flash. */
    private record Running(long freeSpace, int sketchSize, String sketchMd5, String sketchSha256) {
    }

    private Running running() {
        if (!(board.state() instanceof BootResult.Booted booted)) {
            throw new IllegalStateException("no sketch is running: " + board.state());
        }
        byte[] image = booted.image();
        // ESP8266 ESP.getSketchSize(): walks the app header at 0x1000, rounded to 16, eboot included.
        // ESP32 ESP.getSketchSize(): esp_image_verify's image_len.
        int size = core == Core.ESP8266 ? (image.length + 15) & -16 : image.length;
        // ESP.getSketchMD5(): MD5 of flash [sketch start, sketch start + getSketchSize()).
        MessageDigest md5 = md5Digest();
        md5.update(board.flash().read(booted.slot().offset(), size));
        String sketchMd5 = HexFormat.of().formatHex(md5.digest());
        // ESP32: esp_partition_get_sha256 returns the digest appended to the image; printed upper-case.
        String sha = HexFormat.of().formatHex(image, Math.max(0, image.length - 32), image.length).toUpperCase(Locale.ROOT);
        return new Running(board.updater().capacity(), size, sketchMd5, sha);
    }

    private static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pathOf(URI url) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
    }

    static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }
}
