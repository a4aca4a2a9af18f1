package org.updraft.device.client;

/** Told when a client starts writing a download into the inactive slot (for logs and progress bars). */
@FunctionalInterface
public interface TransferListener {
    TransferListener NONE = (status, length, slot) -> { };

    /** {@code status}: the HTTP status seen (0 when the client does not read one); {@code slot}: where it writes. */
    void writing(int status, int length, String slot);

    /** Told when a client opens a TCP connection, {@code number} counting from 1 within one update (clients that report it). */
    default void connected(int number) {
    }
}
