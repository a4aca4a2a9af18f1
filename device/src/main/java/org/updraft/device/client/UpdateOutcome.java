package org.updraft.device.client;

import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.StagedImage;

/** What one update attempt of a stock client led to. */
public sealed interface UpdateOutcome {

    /** {@code HTTP_UPDATE_OK}: {@code staged} was activated and the chip rebooted into {@code booted}. */
    record Updated(StagedImage staged, BootResult booted) implements UpdateOutcome {
    }

    /**
     * {@code HTTP_UPDATE_OK} of a file system update ({@link FilesystemUpdateClient}): {@code length}
     * bytes were written to {@code written} — the file system region itself, or with
     * ATOMIC_FS_UPDATE the staging area eboot copied from at the reboot — and passed the MD5 check.
     * {@code booted} is the board's state afterwards: unchanged without a reboot (the stock clients
     * do not restart after an in-place file system update), the new boot with ATOMIC_FS_UPDATE.
     */
    record FilesystemWritten(org.updraft.device.boot.Region written, int length, BootResult booted) implements UpdateOutcome {
    }

    /** {@code HTTP_UPDATE_NO_UPDATES} (304; IDF {@code ESP_ERR_HTTP_NOT_MODIFIED}; NONOS: refused by close). */
    record NoUpdate(String reason) implements UpdateOutcome {
    }

    /**
     * {@code HTTP_UPDATE_FAILED} with the client's {@code getLastError()} and
     * {@code getLastErrorString()}: negative HTTPClient/HTTPUpdate codes, positive Updater codes.
     * The running image is untouched and still boots.
     */
    record Failed(int code, String message) implements UpdateOutcome {
    }
}
