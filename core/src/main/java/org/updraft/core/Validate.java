package org.updraft.core;

import java.util.Objects;

/**
 * Fail-fast argument checks with messages a person can act on. Every check names the argument and
 * says what was expected, e.g. {@code "slot must be 1 or 2, got 3"}.
 */
public final class Validate {

    /** The most characters of someone's input that an error message repeats ({@link #echo}). */
    public static final int MAX_ECHO = 64;

    private Validate() {
    }

    /**
     * Input as an error message may repeat it: at most {@value #MAX_ECHO} characters (then
     * "... (N characters)"), every control character as '?'. The one rule for echoing input, in
     * core so that core's own errors and every server answer and log line bound and clean it the
     * same way: a 10 KB bad value costs a 10 KB request, not a 10 KB answer, and a "\n" in it
     * cannot forge a second log line.
     */
    public static String echo(String input) {
        if (input == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(input.length(), MAX_ECHO) + 24);
        for (int i = 0; i < input.length() && i < MAX_ECHO; i++) {
            char c = input.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        if (input.length() > MAX_ECHO) {
            b.append("... (").append(input.length()).append(" characters)");
        }
        return b.toString();
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
