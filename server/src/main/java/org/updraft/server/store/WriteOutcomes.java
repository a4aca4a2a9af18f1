package org.updraft.server.store;

/**
 * Hears how the database writes of the background writers end, so that a failing disk or database
 * is known before the next request is acknowledged ({@link StorageHealth}).
 */
public interface WriteOutcomes {

    /** Nobody listens (tests and benchmarks that build a writer on their own). */
    WriteOutcomes IGNORED = new WriteOutcomes() {
        @Override
        public void written() {
        }

        @Override
        public void failed(Throwable cause) {
        }
    };

    /** A transaction committed. */
    void written();

    /** A transaction failed (it may still be retried). */
    void failed(Throwable cause);
}
