package org.updraft.device.flash;

/**
 * Thrown by {@link NorFlash} when its {@link FaultPlan} cuts the power. The code that was
 * running (an updater, a bootloader) stops where it stands; whoever plays the role of the
 * power supply catches this, forgets all volatile state (RAM, RTC memory) and powers the
 * device on again. Flash contents are all that survive.
 */
public final class PowerCut extends RuntimeException {
    private final long operation;
    private final CutMode mode;

    PowerCut(long operation, CutMode mode, String what) {
        super("power cut " + mode + " flash operation " + operation + " (" + what + ")", null, false, false);
        this.operation = operation;
        this.mode = mode;
    }

    /** The 1-based flash operation number (counted since the plan was armed) at which power was cut. */
    public long operation() {
        return operation;
    }

    public CutMode mode() {
        return mode;
    }
}
