package org.updraft.server.http;

/**
 * Whether this instance should get traffic from a load balancer ({@code GET /ready}): only
 * between the end of its start (database migrated, catalog and registry loaded, listeners bound)
 * and the beginning of its stop. {@code /health} answers whether it is alive; this answers whether
 * to send it devices.
 */
public final class Readiness {

    /** The phases, in the only order they happen. */
    public enum Phase { STARTING, READY, DRAINING }

    private volatile Phase phase = Phase.STARTING;

    public Phase phase() {
        return phase;
    }

    /** The start is complete. */
    public void ready() {
        if (phase == Phase.STARTING) {
            phase = Phase.READY;
        }
    }

    /** The stop has begun: {@code /ready} answers 503 from now on. */
    public void draining() {
        phase = Phase.DRAINING;
    }
}
