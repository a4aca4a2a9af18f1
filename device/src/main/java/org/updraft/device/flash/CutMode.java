package org.updraft.device.flash;

/**
 * Where, relative to the flash operation it targets, a {@link FaultPlan} cuts the power.
 *
 * <p>MCUboot's simulator only knows {@link #BEFORE} (its {@code flash_counter} reaches zero and
 * the sim {@code longjmp}s out before the operation runs). Real NOR parts also lose power in the
 * middle of a page program or a sector erase, hence {@link #TORN}, and right after an operation
 * completed but before the code that issued it could act on it, hence {@link #AFTER}.
 */
public enum CutMode {
    /** The operation is not applied at all. */
    BEFORE,
    /** The operation lands partly: some bytes (or bits) programmed, or a sector partly erased. */
    TORN,
    /** The operation is applied completely, then the power is lost. */
    AFTER
}
