package org.updraft.core;

import java.util.Objects;

/**
 * Fail-fast argument checks with messages a person can act on. Every check names the argument and
 * says what was expected, e.g. {@code "slot must be 1 or 2, got 3"}.
 */
public final class Validate {

    private Validate() {
    }

    /** Returns {@code value}, or throws {@link NullPointerException} naming {@code name}. */
    public static <T> T notNull(T value, String name) {
        return Objects.requireNonNull(value, () -> name + " must not be null");
    }

    /** Throws {@link IllegalArgumentException} with {@code message} unless {@code condition} holds. */
    public static void isTrue(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Returns {@code value} if {@code min <= value <= max}, else throws naming the range. */
    public static long inRange(long value, long min, long max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    name + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** Returns {@code value} if it is zero or positive, else throws. */
    public static long notNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
        return value;
    }
}
