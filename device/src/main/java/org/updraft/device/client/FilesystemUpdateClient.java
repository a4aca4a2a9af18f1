package org.updraft.device.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.FilesystemUpdate;
import org.updraft.device.boot.Region;
import org.updraft.device.boot.SlotWriter;
import org.updraft.device.boot.StagedImage;
import org.updraft.device.boot.UpdateException;

/**
 * The stock clients' file system update on an emulated {@link Board}: ESP8266
 * {@code ESPhttpUpdate.updateFS(client, url, currentVersion)} and ESP32
 * {@code httpUpdate.updateSpiffs(client, url, currentVersion)} — {@code handleUpdate} with
 * {@code spiffs = true}. The request is the sketch request of {@link HttpUpdateClient} byte for
 * byte but with {@code x-ESP8266-mode: spiffs} / {@code x-ESP32-mode: spiffs}; the answer is
 * handled code for code as for a sketch, except:
 * <ul>
 * <li>the size check is against the file system: ESP8266 {@code FS_end - FS_start} (with
 *     ATOMIC_FS_UPDATE: {@code ESP.getFreeSketchSpace()}), ESP32 the {@code spiffs} partition's
 *     size — larger is {@code HTTP_UE_TOO_LESS_SPACE} (-100);
 * <li>no peek at the first bytes (no magic byte or flash-size check for {@code U_FS}/{@code U_SPIFFS});
 * <li>{@code runUpdate(..., U_FS)} / {@code U_SPIFFS} writes in place ({@link FilesystemUpdate}),
 *     then {@code Update.end} compares the MD5 (on ESP8266 a key installed with
 *     {@code Update.installSignature} replaces that by the signature check, whatever the command);
 * <li>on success the chip is <b>not</b> restarted ({@code if (_rebootOnUpdate && !spiffs)}), except
 *     ESP8266 with ATOMIC_FS_UPDATE, whose eboot must copy the staged image at the reboot.
 * </ul>
 * A failed MD5 check after an in-place write leaves the file system overwritten: the emulator is no
 * kinder than the device.
 */
public final class FilesystemUpdateClient {

    private final HttpUpdateClient sketch;
    private final boolean atomic;

    private FilesystemUpdateClient(HttpUpdateClient sketch, boolean atomic) {
        this.sketch = sketch;
        this.atomic = atomic;
    }

    /** The file system update of the stock client {@code sketch} (its board, identity, version, timeout). */
    public static FilesystemUpdateClient of(HttpUpdateClient sketch) {
        return new FilesystemUpdateClient(sketch, false);
    }

    /** ESP8266 sketch built with {@code -DATOMIC_FS_UPDATE}: staged in the free sketch space, copied by eboot. */
    public FilesystemUpdateClient atomic() {
        if (sketch.core() != HttpUpdateClient.Core.ESP8266) {
            throw new IllegalArgumentException("ATOMIC_FS_UPDATE is an ESP8266 core option");
        }
        return new FilesystemUpdateClient(sketch, true);
    }

    /** The exact request bytes for {@code url}. */
    public String request(URI url) {
        return sketch.request(url, "spiffs");
    }

    /** {@code ESPhttpUpdate.updateFS(client, url, version)} / {@code httpUpdate.updateSpiffs(client, url, version)}. */
    public UpdateOutcome update(URI url) {
        String request = request(url);
        int millis = (int) Math.max(1, sketch.timeout().toMillis());
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(url.getHost(), HttpUpdateClient.port(url)), millis);
                socket.setSoTimeout(millis);
                OutputStream out = socket.getOutputStream();
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                return new UpdateOutcome.Failed(ResponseHead.CONNECTION_FAILED, "connection failed");
            }
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1460);
            ResponseHead head = ResponseHead.read(in);
            int len = head.size();
            boolean esp8266 = sketch.core() == HttpUpdateClient.Core.ESP8266;
            return switch (head.status()) {
                case 200 -> len > 0 ? download(in, len, head.header("x-MD5"))
                        : failed(HttpUpdateClient.SERVER_NOT_REPORT_SIZE, "Server Did Not Report Size");
                case 304 -> new UpdateOutcome.NoUpdate("304 Not Modified");
                case 404 -> failed(HttpUpdateClient.SERVER_FILE_NOT_FOUND, "File Not Found (404)");
                case 403 -> failed(HttpUpdateClient.SERVER_FORBIDDEN, "Forbidden (403)");
                case 401 -> esp8266 ? failed(HttpUpdateClient.SERVER_UNAUTHORIZED, "Unauthorized (401)")
                        : failed(HttpUpdateClient.SERVER_WRONG_HTTP_CODE, "Wrong HTTP Code");
                default -> failed(HttpUpdateClient.SERVER_WRONG_HTTP_CODE, "Wrong HTTP Code");
            };
        } catch (ResponseHead.ClientError e) {
            return failed(e.code, e.getMessage());
        } catch (IOException e) {
            return failed(ResponseHead.CONNECTION_LOST, "connection lost");
        }
    }

    /** {@code case HTTP_CODE_OK}: the file system size check, then runUpdate(U_FS / U_SPIFFS). */
    private UpdateOutcome download(InputStream in, int len, String md5) {
        Board board = sketch.board();
        Region fs;
        try {
            fs = FilesystemUpdate.region(board);
        } catch (UpdateException e) {
            // ESP32: esp_partition_find_first(DATA, SPIFFS) == NULL -> HTTP_UE_NO_PARTITION; ESP8266 has FS_start always
            return failed(-111, "Partition Could Not be Found");
        }
        long room = atomic ? board.updater().capacity() : fs.size();
        if (len > room) {
            return failed(HttpUpdateClient.TOO_LESS_SPACE, "Not Enough space");
        }
        SlotWriter writer;
        try {
            writer = atomic ? FilesystemUpdate.beginAtomic(board, len) : FilesystemUpdate.beginInPlace(board, len);
        } catch (UpdateException e) {
            return sketch.core() == HttpUpdateClient.Core.ESP8266 ? updateError(4, "Not Enough Space") : updateError(5, "Bad Size Given");
        }
        if (!md5.isEmpty() && md5.length() != 32) {
            return failed(HttpUpdateClient.SERVER_FAULTY_MD5, "Wrong MD5");
        }
        sketch.listener().writing(200, len, writer.region().name());
        MessageDigest digest = md5Digest();
        byte[] written = new byte[len];
        int done;
        try {
            done = HttpUpdateClient.writeStream(in, writer, digest, written);
        } catch (UpdateException e) {
            return updateError(1, "Flash Write Failed");
        }
        if (done != len) {
            return updateError(6, "Stream Read Timeout");
        }
        int length = len;
        SignatureVerifier installed = sketch.installedVerifier();
        if (installed != null) {
            var binSize = installed.imageLength(written);
            if (binSize.isEmpty()) {
                return updateError(12, "Signature verification failed");
            }
            length = binSize.getAsInt();
        } else if (!md5.isEmpty() && !md5.equalsIgnoreCase(HexFormat.of().formatHex(digest.digest()))) {
            return sketch.core() == HttpUpdateClient.Core.ESP8266 ? updateError(7, "MD5 verification failed")
                    : updateError(7, "MD5 Check Failed");
        }
        StagedImage staged;
        try {
            // Updater::end: no _verifyEnd check for a file system; the writer's read-back only.
            staged = writer.finishUnchecked(length, false);
        } catch (UpdateException e) {
            return updateError(1, "Flash Write Failed (" + e.getMessage() + ")");
        }
        if (!atomic) {
            // HTTP_UPDATE_OK: http.end(); no ESP.restart() for spiffs.
            return new UpdateOutcome.FilesystemWritten(staged.region(), staged.length(), board.state());
        }
        try {
            FilesystemUpdate.activateAtomic(board, staged);
        } catch (UpdateException e) {
            return updateError(4, "Not Enough Space");
        }
        BootResult booted = board.reset();
        return new UpdateOutcome.FilesystemWritten(staged.region(), staged.length(), booted);
    }

    private UpdateOutcome failed(int code, String message) {
        return new UpdateOutcome.Failed(code, message);
    }

    private UpdateOutcome updateError(int code, String text) {
        return new UpdateOutcome.Failed(code, sketch.core() == HttpUpdateClient.Core.ESP8266 ? "ERROR[" + code + "]: " + text : text);
    }

    private static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
