package org.updraft.device.boot;

/**
 * An update could not be staged: it does not fit, the bytes written did not read back, or what
 * was written is not a valid image for this slot. The running image is untouched and still boots.
 */
public final class UpdateException extends Exception {
    public UpdateException(String message) {
        super(message);
    }
}
