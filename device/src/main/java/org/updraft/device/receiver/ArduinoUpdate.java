package org.updraft.device.receiver;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.OptionalInt;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.SlotWriter;
import org.updraft.device.boot.StagedImage;
import org.updraft.device.boot.UpdateException;
import org.updraft.device.boot.Updater;
import org.updraft.device.client.SignatureVerifier;
import org.updraft.device.flash.NorFlash;

/**
 * The Arduino ESP8266 core's global {@code Update} object (cores/esp8266 {@code Updater.cpp},
 * {@code Updater.h}) on top of the emulated board's {@link Updater}: the same call sequence
 * ({@code begin}, {@code setMD5}, {@code write}, {@code end}), the same error state that survives
 * until the next {@code begin}, and the same {@code printError} line, {@code "ERROR[n]: text\n"}.
 *
 * <p>The board writes exactly the bytes received; the checks the core makes are repeated here in
 * its order so the answers carry its numbers, and nothing else is checked: an image that passes
 * {@code _verifyEnd} (magic byte, flash size) is staged even when it is truncated or corrupt, and
 * eboot copies it over the sketch ({@link org.updraft.device.boot.EbootCopy} then reports the
 * board bricked, as the chip would be). Upstream reference: esp8266/Arduino, release 3.1.2,
 * {@code cores/esp8266/Updater.cpp}.
 *
 * <p>With a key installed on the board ({@link Board#installPublicKey}, the core's
 * {@code Update.installSignature}) {@code end} verifies the signed trailer instead of the MD5 and
 * refuses with {@code ERROR[12]}; only the image part is staged.
 */
final class ArduinoUpdate {
    static final int OK = 0;
    static final int SPACE = 4;
    static final int SIZE = 5;
    static final int MD5 = 7;
    static final int NEW_FLASH_CONFIG = 9;
    static final int MAGIC_BYTE = 10;
    static final int SIGN = 12;
    static final int NO_DATA = 13;
    static final int RUNNING_ALREADY = 15;

    /** {@code U_FLASH} and {@code U_FS} (Updater.h). */
    static final int U_FLASH = 0;
    static final int U_FS = 100;

    private final Board board;
    private int error;
    private String detail = "";
    private Updater updater;
    private SlotWriter writer;
    private int size;
    private int received;
    private MessageDigest md5;
    private String targetMd5 = "";
    private byte[] head = new byte[0];
    /** With a key installed: every byte written, for {@code Updater::end}'s signature check. */
    private SignatureVerifier verifier;
    private ByteArrayOutputStream written;

    ArduinoUpdate(Board board) {
        this.board = board;
    }

    /** {@code Updater::begin(size, U_FLASH)}; the receivers refuse {@code U_FS} before calling it. */
    boolean begin(int size) {
        if (this.size > 0) {
            return fail(RUNNING_ALREADY, "");
        }
        if (size <= 0) {
            return fail(SIZE, "");
        }
        reset();
        error = OK;
        detail = "";
        targetMd5 = "";
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // begin(): updateStartAddress = FS_start - roundedSize; "if(updateStartAddress <
        // currentSketchSize) { _setError(UPDATE_ERROR_SPACE); return false; }" — the board's
        // Updater makes the same placement and the same refusal.
        try {
            updater = board.updater();
            writer = updater.begin(size);
        } catch (UpdateException e) {
            return fail(SPACE, "");
        }
        this.size = size;
        // Update.installSignature(): the verifier is part of the running sketch's Update object.
        verifier = board.publicKey().map(SignatureVerifier::esp8266).orElse(null);
        written = verifier == null ? null : new ByteArrayOutputStream();
        return true;
    }

    /** {@code Updater::setMD5}: ignored unless 32 characters. */
    void setMd5(String expected) {
        if (expected.length() == 32) {
            targetMd5 = expected;
        }
    }

    /** {@code Updater::write}; false when it wrote less than {@code count} (the error is set). */
    boolean write(byte[] data, int offset, int count) {
        if (hasError() || !isRunning()) {
            return false;
        }
        // "if(progress() + _bufferLen + len > _size) { _setError(UPDATE_ERROR_SPACE); return 0; }"
        if ((long) received + count > size) {
            return fail(SPACE, "");
        }
        try {
            writer.write(data, offset, count);
        } catch (UpdateException e) {
            return fail(SPACE, "");
        }
        md5.update(data, offset, count);
        if (written != null) {
            written.write(data, offset, count);
        }
        if (head.length < 4) {
            int n = Math.min(4 - head.length, count);
            byte[] h = java.util.Arrays.copyOf(head, head.length + n);
            System.arraycopy(data, offset, h, head.length, n);
            head = h;
        }
        received += count;
        return true;
    }

    int remaining() {
        return size - received;
    }

    boolean isRunning() {
        return size > 0;
    }

    boolean isFinished() {
        return isRunning() && received == size;
    }

    boolean hasError() {
        return error != OK;
    }

    /**
     * {@code Updater::end(evenIfRemaining)}; on success the eboot command is written
     * ({@link Updater#activate}) and the next reset copies the image.
     */
    boolean end(boolean evenIfRemaining) {
        if (size == 0) {
            reset();
            return false;
        }
        // "Updating w/o any data is an error we detect here: if (!progress())
        // _setError(UPDATE_ERROR_NO_DATA)". progress() counts bytes flushed from the 4 KiB sector
        // buffer, which write() flushes only once more than a sector arrived or the announced
        // size is complete: uploads of up to 4096 bytes end here.
        boolean flushed = received > NorFlash.SECTOR_SIZE || (received == size && received > 0);
        if (!flushed) {
            return fail(NO_DATA, "");
        }
        if (hasError() || (!isFinished() && !evenIfRemaining)) {
            reset();
            return false;
        }
        String calculated = HexFormat.of().formatHex(md5.digest());
        int imageLength = received;
        if (verifier != null) {
            // "if (_verify) { ... if (sigLen != _verify->length()) { _setError(UPDATE_ERROR_SIGN); ...}
            // ... if (!_verify->verify(_hash, (void *)sig, sigLen)) { _setError(UPDATE_ERROR_SIGN); ...}
            // _size = binSize; } else if (_target_md5.length()) { ... }": no MD5 check with a verifier.
            OptionalInt binSize = verifier.imageLength(written.toByteArray());
            if (binSize.isEmpty()) {
                return fail(SIGN, "");
            }
            imageLength = binSize.getAsInt();
        } else if (!targetMd5.isEmpty() && !targetMd5.equalsIgnoreCase(calculated)) {
            // getErrorString: "MD5 verification failed: expected: " + _target_md5 + ", calculated: " + md5
            return fail(MD5, "expected: " + targetMd5 + ", calculated: " + calculated);
        }
        // _verifyEnd: "if (buf[0] != 0xE9) _setError(UPDATE_ERROR_MAGIC_BYTE)", gzip (1F 8B) passes;
        // then "bin_flash_size = ESP.magicFlashChipSize((buf[3] & 0xf0) >> 4); if(bin_flash_size >
        // ESP.getFlashChipRealSize()) _setError(UPDATE_ERROR_NEW_FLASH_CONFIG)".
        int realSize = board.bootloader().map().flashSize();
        boolean gzip = head.length >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B;
        if (!gzip) {
            if ((head[0] & 0xFF) != 0xE9) {
                return fail(MAGIC_BYTE, "");
            }
            if (head.length >= 4 && magicFlashChipSize((head[3] & 0xF0) >> 4) > realSize) {
                return fail(NEW_FLASH_CONFIG, String.valueOf(realSize));
            }
        }
        // Nothing more is checked: the core stages whatever passed _verifyEnd, and eboot copies it.
        StagedImage staged;
        try {
            staged = writer.finishUnchecked(imageLength, evenIfRemaining);
        } catch (UpdateException e) {
            return fail(1, e.getMessage()); // the read-back differs: UPDATE_ERROR_WRITE
        }
        // "ebcmd.action = ACTION_COPY_RAW; ... eboot_command_write(&ebcmd);"
        updater.activate(staged);
        reset();
        return true;
    }

    /** {@code Updater::printError}: {@code "ERROR[%hhu]: %s\n"} with {@code getErrorString()}. */
    String errorLine() {
        return "ERROR[" + error + "]: " + errorString() + "\n";
    }

    private String errorString() {
        return switch (error) {
            case OK -> "No Error";
            case 1 -> "Flash Write Failed";
            case 2 -> "Flash Erase Failed";
            case 3 -> "Flash Read Failed";
            case SPACE -> "Not Enough Space";
            case SIZE -> "Bad Size Given";
            case 6 -> "Stream Read Timeout";
            case MD5 -> "MD5 verification failed: " + detail;
            case NEW_FLASH_CONFIG -> "new Flash config wrong, real size: " + detail;
            case MAGIC_BYTE -> "Magic byte is not 0xE9";
            case SIGN -> "Signature verification failed";
            case NO_DATA -> "No data supplied";
            case RUNNING_ALREADY -> "Update already running";
            default -> "UNKNOWN";
        };
    }

    /** {@code EspClass::magicFlashChipSize}. */
    private static int magicFlashChipSize(int code) {
        return switch (code) {
            case 0x0 -> 512 * 1024;
            case 0x1 -> 256 * 1024;
            case 0x2 -> 1024 * 1024;
            case 0x3 -> 2 * 1024 * 1024;
            case 0x4 -> 4 * 1024 * 1024;
            case 0x8 -> 8 * 1024 * 1024;
            case 0x9 -> 16 * 1024 * 1024;
            default -> 0;
        };
    }

    /** {@code _setError}: "Any error condition invalidates the entire update". */
    private boolean fail(int code, String why) {
        error = code;
        detail = why;
        reset();
        return false;
    }

    private void reset() {
        writer = null;
        updater = null;
        size = 0;
        received = 0;
        head = new byte[0];
        verifier = null;
        written = null;
    }
}
