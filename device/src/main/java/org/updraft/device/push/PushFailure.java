package org.updraft.device.push;

/**
 * A push did not install the image. {@link #retryable()} is true for transport trouble (no answer,
 * connection refused or dropped, timeouts) and false when the device answered with a refusal
 * (wrong password, image too large, not an image) that another attempt would only repeat.
 */
public final class PushFailure extends Exception {
    private final boolean retryable;

    public PushFailure(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public PushFailure(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
