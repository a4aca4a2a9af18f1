package org.updraft.server.rollout;

/**
 * Where one device stands with one release, derived from its check-ins (docs/architecture.md, "Device progress");
 * stock clients need no change for any of it.
 */
public enum UpdateState {
    /** Assigned; will be sent at the device's next check-in (or after its retry backoff). */
    OFFERED("offered"),
    /** The image is being sent. */
    DOWNLOADING("downloading"),
    /** The last byte left the server. */
    DOWNLOADED("downloaded"),
    /** The device checked in running the release. */
    INSTALLED("installed"),
    /** Still checking in on the release after the product's health window, or reported healthy. */
    CONFIRMED("confirmed"),
    /** Gave up: attempts exhausted (download errors, or back on the old image after a download). */
    FAILED("failed"),
    /** Ran the release and came back on the previous one (trial boot or rollback), or reported so. */
    ROLLED_BACK("rolled_back");

    private final String id;

    UpdateState(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public boolean isFinal() {
        return this == CONFIRMED || this == FAILED || this == ROLLED_BACK;
    }

    /** Counts against a rollout's failure threshold. */
    public boolean isFailure() {
        return this == FAILED || this == ROLLED_BACK;
    }

    public static UpdateState parse(String id) {
        for (UpdateState s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown update state " + id);
    }
}
