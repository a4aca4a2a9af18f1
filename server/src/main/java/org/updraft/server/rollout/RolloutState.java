package org.updraft.server.rollout;

/** draft → running ⇄ paused → completed | halted | aborted (docs/architecture.md, "Rollout states"). */
public enum RolloutState {
    DRAFT("draft"), RUNNING("running"), PAUSED("paused"), COMPLETED("completed"), HALTED("halted"), ABORTED("aborted");

    private final String id;

    RolloutState(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Holds devices: two active rollouts may not target the same device. */
    public boolean isActive() {
        return this == RUNNING || this == PAUSED;
    }

    public boolean isFinished() {
        return this == COMPLETED || this == HALTED || this == ABORTED;
    }

    public static RolloutState parse(String id) {
        for (RolloutState s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown rollout state " + id);
    }
}
