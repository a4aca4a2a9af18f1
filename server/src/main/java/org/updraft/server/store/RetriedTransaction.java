package org.updraft.server.store;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jdbi.v3.core.HandleConsumer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;

/**
 * The background writers' retry policy for one batch: one transaction per attempt, at most
 * {@value #ATTEMPTS} attempts 100, 200, 400 and 800 ms apart, every failure logged and the last
 * one as lost. A writer that is closing stops retrying at once. Every commit and every failure is
 * told to the writer's {@link WriteOutcomes} ({@link StorageHealth}: a failing disk refuses new
 * writes instead of acknowledging them).
 */
public final class RetriedTransaction {

    static final int ATTEMPTS = 5;

    private RetriedTransaction() {
    }

    /**
     * @param log    the writer's own logger
     * @param writer the writer's name in the log ("check-in writer", "device-update")
     * @param rows   what the batch holds, for the log ("12 records"); asked only on a failure
     * @param stop   true when the writer is closing: the failure is then final
     * @param outcomes hears each commit and each failed attempt
     * @return true when the batch is written; false when it is given up (logged as lost) or the
     *         thread was interrupted while backing off
     */
    public static boolean run(Jdbi jdbi, Logger log, String writer, Supplier<String> rows,
                              HandleConsumer<RuntimeException> batch, BooleanSupplier stop, WriteOutcomes outcomes) {
        for (int attempt = 1; ; attempt++) {
            try {
                jdbi.useTransaction(batch);
                outcomes.written();
                return true;
            } catch (RuntimeException e) {
                outcomes.failed(e);
                if (attempt == ATTEMPTS || stop.getAsBoolean()) {
                    log.error("{}: lost {} after {} attempts: {}", writer, rows.get(), attempt, e.toString());
                    return false;
                }
                log.warn("{}: writing {} failed (attempt {}), retrying: {}", writer, rows.get(), attempt, e.toString());
                try {
                    Thread.sleep(50L << attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }
}
