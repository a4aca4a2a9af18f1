package org.updraft.device.boot;

/**
 * What the running application's OTA code does with flash. A download client feeds bytes as
 * they arrive:
 * <pre>{@code
 * SlotWriter w = updater.begin(contentLength);   // UpdateException: does not fit
 * w.write(chunk, 0, n); ...                      // erase-before-write, page by page
 * StagedImage s = w.finish();                    // read back + validate; UpdateException
 * updater.activate(s);                           // flip the selector; takes effect at next boot
 * // reboot (soft reset), then in the new image:
 * updater.confirm();                             // trial boot / IDF rollback: "I am healthy"
 * }</pre>
 * A power cut may strike at any flash operation of any of these calls.
 */
public interface Updater {

    /** Where {@link #begin(int)} writes. */
    Region target();

    /** The largest image that fits (what {@code x-ESP8266-free-space} reports for the sketch). */
    int capacity();

    /** Starts writing an image of exactly {@code length} bytes. */
    SlotWriter begin(int length) throws UpdateException;

    /** Writes a whole image in one go: {@code begin}, one {@code write}, {@code finish}. */
    default StagedImage stage(byte[] image) throws UpdateException {
        SlotWriter writer = begin(image.length);
        writer.write(image, 0, image.length);
        return writer.finish();
    }

    /** Makes the next boot start {@code staged}. */
    void activate(StagedImage staged);

    /** The running image declares itself good; a no-op when nothing is on probation. */
    void confirm();

    /** Whether the running image is still on probation (trial boot / PENDING_VERIFY). */
    boolean pendingConfirm();
}
