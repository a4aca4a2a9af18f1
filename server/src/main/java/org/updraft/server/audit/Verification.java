package org.updraft.server.audit;

/** The outcome of checking the audit chain. */
public sealed interface Verification {

    /** Entries checked, and the head (last seq and its hash) — keep the head elsewhere as an anchor. */
    long entries();

    /** Every row is intact and linked; the chain ends at {@code headSeq} with {@code headHash}. */
    record Intact(long entries, long headSeq, String headHash) implements Verification {
    }

    /** The first row that is wrong (edited, missing, unlinked), and what is wrong with it. */
    record Broken(long entries, long firstBadSeq, String problem) implements Verification {
    }
}
