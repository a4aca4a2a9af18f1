package org.updraft.server.rollout;

/**
 * The state of one wave: its members (devices of the target whose first including wave it is)
 * and how many of them are in each update state; {@code pending} have not been offered yet.
 */
public record WaveStats(int index, String label, int members, int pending, int offered, int downloading, int downloaded,
                        int installed, int confirmed, int failed, int rolledBack, double meanAttempts) {

    public double successRate() {
        return members == 0 ? 1.0 : (double) confirmed / members;
    }

    public double failureRate() {
        return members == 0 ? 0.0 : (double) (failed + rolledBack) / members;
    }
}
