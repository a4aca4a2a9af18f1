package org.updraft.device.boot;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.updraft.device.flash.NorFlash;

/**
 * Streams one image into a slot, the way every ESP OTA writer does: bytes are collected into a
 * 4 KiB sector buffer; a full buffer is written as one sector erase followed by page programs
 * (Arduino {@code Updater::_writeBuffer}: {@code flashEraseSector} then {@code flashWrite}; the
 * NONOS upgrade code erases each sector as the download reaches it). {@link #finish()} reads the
 * slot back and validates it before anything points at it.
 *
 * <p>Invariant: nothing outside {@code [region.offset, region.offset + roundUp4K(length))} is
 * touched, and no selector changes; a writer abandoned half-way leaves the running image booting.
 */
public final class SlotWriter {
    private final NorFlash flash;
    private final Region region;
    private final int length;
    private final ImageKind kind;
    private final SlotCheck slotCheck;
    private final byte[] buffer = new byte[NorFlash.SECTOR_SIZE];
    private final MessageDigest received;
    private int buffered;
    private int written;

    /** Slot-specific checks beyond the structure (NONOS: image linked for this slot). */
    interface SlotCheck {
        String problem(byte[] image);
    }

    SlotWriter(NorFlash flash, Region region, int length, ImageKind kind, SlotCheck slotCheck) {
        this.flash = flash;
        this.region = region;
        this.length = length;
        this.kind = kind;
        this.slotCheck = slotCheck;
        try {
            this.received = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Region region() {
        return region;
    }

    public int length() {
        return length;
    }

    /** Bytes accepted so far. */
    public int received() {
        return written + buffered;
    }

    /**
     * Arduino {@code Updater::end(true)} ("evenIfRemaining"), as ESP8266HTTPUpdateServer calls it
     * after {@code begin(maxSketchSpace)}: the image is what was received so far, left where
     * {@code begin} put it ({@code _size = progress()}, {@code _startAddress} unchanged). Read back
     * and validated like {@link #finish()}.
     */
    public StagedImage finishAsReceived() throws UpdateException {
        return finishAsReceived(received());
    }

    /**
     * {@link #finishAsReceived()} for a signed upload: {@code Updater::end} first sets
     * {@code _size = progress()}, then, with a verifier installed, "{@code _size = binSize; // Adjust
     * size to remove signature, not part of bin payload}"; only the first {@code imageLength} of the
     * bytes received are validated and staged.
     */
    public StagedImage finishAsReceived(int imageLength) throws UpdateException {
        if (received() == 0) {
            throw new UpdateException("no data received");
        }
        return complete(received(), imageLength);
    }

    public void write(byte[] data, int offset, int count) throws UpdateException {
        if (received() + count > length) {
            throw new UpdateException("more data than announced: " + (received() + count)
                    + " bytes for an image of " + length);
        }
        received.update(data, offset, count);
        int done = 0;
        while (done < count) {
            int n = Math.min(count - done, buffer.length - buffered);
            System.arraycopy(data, offset + done, buffer, buffered, n);
            buffered += n;
            done += n;
            if (buffered == buffer.length) {
                flush();
            }
        }
    }

    /** Writes what is buffered, reads the slot back, validates it; only then may it be activated. */
    public StagedImage finish() throws UpdateException {
        return finish(length);
    }

    /**
     * Like {@link #finish()} for a write that ends in a trailer the updater strips once it has
     * checked it: Arduino signed images are {@code image || sig || u32le(len)} and
     * {@code Updater::end} sets {@code _size = binSize} after verifying, so only the first
     * {@code imageLength} bytes are validated, staged and (eboot) copied. The whole write is
     * still read back and compared.
     */
    public StagedImage finish(int imageLength) throws UpdateException {
        if (received() != length) {
            throw new UpdateException("short image: received " + received() + " of " + length + " bytes");
        }
        return complete(length, imageLength);
    }

    /**
     * What the Arduino ESP8266 core's {@code Updater::end} stages: the first {@code imageLength}
     * of the bytes received (all of them when {@code asReceived}, else exactly the announced
     * length), read back and compared, but <em>not</em> validated as an image — the core checks
     * only the magic byte and the flash size code ({@code _verifyEnd}), which its caller has done.
     * eboot then copies whatever it is; {@link EbootCopy#boot} finds out whether it runs.
     */
    public StagedImage finishUnchecked(int imageLength, boolean asReceived) throws UpdateException {
        if (!asReceived && received() != length) {
            throw new UpdateException("short image: received " + received() + " of " + length + " bytes");
        }
        if (received() == 0) {
            throw new UpdateException("no data received");
        }
        return complete(asReceived ? received() : length, imageLength, false);
    }

    private StagedImage complete(int total, int imageLength) throws UpdateException {
        return complete(total, imageLength, true);
    }

    /** Flushes, reads {@code total} bytes back, compares them with what was received, validates the image part if asked. */
    private StagedImage complete(int total, int imageLength, boolean validate) throws UpdateException {
        if (imageLength <= 0 || imageLength > total) {
            throw new UpdateException("image length " + imageLength + " outside the " + total + " bytes written");
        }
        if (buffered > 0) {
            flush();
        }
        byte[] expected = received.digest();
        byte[] back = flash.read(region.offset(), total);
        byte[] actual = ImageWalk.sha256(back, 0, back.length);
        if (!Arrays.equals(expected, actual)) {
            throw new UpdateException("read-back of " + region.name() + " does not match the bytes written");
        }
        byte[] image = imageLength == total ? back : Arrays.copyOf(back, imageLength);
        String problem = validate ? ImageWalk.check(image, kind) : null;
        if (problem == null && validate) {
            problem = slotCheck.problem(image);
        }
        if (problem != null) {
            throw new UpdateException("not a valid image for " + region.name() + ": " + problem);
        }
        return new StagedImage(region, imageLength, imageLength == total ? HexFormat.of().formatHex(actual)
                : HexFormat.of().formatHex(ImageWalk.sha256(image, 0, image.length)));
    }

    private void flush() {
        int at = region.offset() + written;
        flash.eraseSector(at);
        flash.programPages(at, Arrays.copyOf(buffer, buffered));
        written += buffered;
        buffered = 0;
    }
}
