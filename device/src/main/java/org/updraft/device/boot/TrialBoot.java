package org.updraft.device.boot;

/**
 * Updraft's trial boot: a freshly activated image runs on probation and must call
 * {@link Updater#confirm()} within {@code boots} boots, or the bootloader goes back to the
 * previous slot. MCUboot calls this a TEST swap and {@code image_ok}; ESP-IDF's rollback is the
 * same idea with exactly one boot.
 */
public record TrialBoot(int boots) {
    public static final TrialBoot OFF = new TrialBoot(0);

    public TrialBoot {
        if (boots < 0 || boots > 255) {
            throw new IllegalArgumentException("trial boots must be 0 (off) .. 255, was " + boots);
        }
    }

    public static TrialBoot of(int boots) {
        if (boots < 1) {
            throw new IllegalArgumentException("a trial needs at least one boot, was " + boots);
        }
        return new TrialBoot(boots);
    }

    public boolean enabled() {
        return boots > 0;
    }
}
