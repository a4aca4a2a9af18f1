package org.updraft.core.version;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.updraft.core.Validate;

/**
 * A firmware version: a plain integer ("2", as the seed's "version 2"), semver ("1.2.3",
 * "1.2.3-rc.1", "1.2.3+build.7"), or dotted numbers of any length ("2024.05.01"), with an optional
 * leading "v".
 *
 * <p>Grammar: {@code [v|V] digits ("." digits)* ["-" ident ("." ident)*] ["+" build]}, where an
 * ident is {@code [0-9A-Za-z-]+} and build is {@code [0-9A-Za-z-.]+} without empty parts; at most
 * {@value #MAX_LENGTH} characters.
 *
 * <p>Ordering (semver 2.0.0 §11, extended to any number of components): numeric components compare
 * numerically, a missing component counts as 0 (so "1.2" orders equal to "1.2.0" and "2" to
 * "2.0.0"); a pre-release orders below its release; pre-release identifiers compare left to right,
 * numeric ones numerically, alphanumeric ones in ASCII order, numeric below alphanumeric, and a
 * shorter list below a longer one with an equal prefix. Build metadata does not take part.
 *
 * <p>Equality is consistent with ordering: two versions are equal exactly when they compare as 0,
 * i.e. when their {@link #normalized()} forms are equal ("v1.2" equals "1.2.0"; "1.0+a" equals
 * "1.0+b"). {@link #toString()} returns the text as given.
 */
public final class Version implements Comparable<Version> {

    /** The longest accepted version text. */
    public static final int MAX_LENGTH = 64;

    private final String text;
    /** Numeric components without leading zeros and without trailing zero components. */
    private final List<String> release;
    /** Pre-release identifiers, numeric ones without leading zeros; empty for a release. */
    private final List<String> preRelease;
    private final String normalized;

    private Version(String text, List<String> release, List<String> preRelease) {
        this.text = text;
        this.release = release;
        this.preRelease = preRelease;
        String core = release.isEmpty() ? "0" : String.join(".", release);
        this.normalized = preRelease.isEmpty() ? core : core + "-" + String.join(".", preRelease);
    }

    /**
     * The version, or empty when {@code text} is null or not a version — for versions reported by
     * devices, which are compared when they parse and ignored when they do not.
     */
    public static java.util.Optional<Version> tryParse(String text) {
        if (text == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(parse(text));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * Parses a version.
     *
     * @throws IllegalArgumentException naming what is wrong: empty, surrounding whitespace, control
     *     characters, longer than 64 characters, or not matching the grammar above
     */
    public static Version parse(String text) {
        Validate.notNull(text, "version");
        if (text.isEmpty()) {
            throw invalid(text, "it is empty");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("invalid version (" + text.length()
                    + " characters): at most " + MAX_LENGTH + " characters are allowed");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                throw invalid(text, String.format(Locale.ROOT,
                        "it contains the control character U+%04X at position %d", (int) c, i));
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                throw invalid(text, "it contains whitespace at position " + i);
            }
        }
        String rest = text.startsWith("v") || text.startsWith("V") ? text.substring(1) : text;
        int plus = rest.indexOf('+');
        if (plus >= 0) {
            String build = rest.substring(plus + 1);
            if (build.isEmpty() || !build.matches("[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*")) {
                throw invalid(text, "build metadata after '+' must be dot-separated [0-9A-Za-z-]");
            }
            rest = rest.substring(0, plus);
        }
        int dash = rest.indexOf('-');
        List<String> pre = List.of();
        if (dash >= 0) {
            String p = rest.substring(dash + 1);
            if (p.isEmpty() || !p.matches("[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*")) {
                throw invalid(text, "the pre-release after '-' must be dot-separated identifiers"
                        + " of [0-9A-Za-z-]");
            }
            List<String> ids = new ArrayList<>();
            for (String id : p.split("\\.")) {
                ids.add(isNumeric(id) ? stripZeros(id) : id);
            }
            pre = List.copyOf(ids);
            rest = rest.substring(0, dash);
        }
        if (!rest.matches("[0-9]+(\\.[0-9]+)*")) {
            throw invalid(text, "expected numbers separated by dots, like 2, 1.2.3 or 2024.05.01,"
                    + " optionally with a leading 'v', '-pre.release' and '+build'");
        }
        List<String> numbers = new ArrayList<>();
        for (String n : rest.split("\\.")) {
            numbers.add(stripZeros(n));
        }
        while (!numbers.isEmpty() && numbers.get(numbers.size() - 1).equals("0")) {
            numbers.remove(numbers.size() - 1);
        }
        return new Version(text, List.copyOf(numbers), pre);
    }

    private static IllegalArgumentException invalid(String text, String why) {
        // The text may hold control characters (the very thing refused): echo it by the one rule.
        return new IllegalArgumentException("invalid version '" + Validate.echo(text) + "': " + why);
    }

    private static boolean isNumeric(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String stripZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') {
            i++;
        }
        return digits.substring(i);
    }

    /** Compares digit strings without leading zeros numerically, of any length. */
    private static int compareNumbers(String a, String b) {
        return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
    }

    /** True when this version has a pre-release part ("1.0.0-rc.1"). */
    public boolean isPreRelease() {
        return !preRelease.isEmpty();
    }

    /**
     * The canonical form that equality uses: leading "v", leading zeros, trailing ".0" components
     * and build metadata removed ("v2024.05.01+x" gives "2024.5.1", "1.0.0" gives "1").
     */
    public String normalized() {
        return normalized;
    }

    @Override
    public int compareTo(Version other) {
        int n = Math.max(release.size(), other.release.size());
        for (int i = 0; i < n; i++) {
            String a = i < release.size() ? release.get(i) : "0";
            String b = i < other.release.size() ? other.release.get(i) : "0";
            int c = compareNumbers(a, b);
            if (c != 0) {
                return c;
            }
        }
        if (preRelease.isEmpty() || other.preRelease.isEmpty()) {
            return Boolean.compare(preRelease.isEmpty(), other.preRelease.isEmpty());
        }
        int m = Math.min(preRelease.size(), other.preRelease.size());
        for (int i = 0; i < m; i++) {
            String a = preRelease.get(i);
            String b = other.preRelease.get(i);
            boolean an = isNumeric(a);
            boolean bn = isNumeric(b);
            int c = an && bn ? compareNumbers(a, b) : an ? -1 : bn ? 1 : a.compareTo(b);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(preRelease.size(), other.preRelease.size());
    }

    /** True when this orders after {@code other}. */
    public boolean isNewerThan(Version other) {
        return compareTo(other) > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Version v && normalized.equals(v.normalized);
    }

    @Override
    public int hashCode() {
        return normalized.hashCode();
    }

    /** The text exactly as given to {@link #parse(String)}. */
    @Override
    public String toString() {
        return text;
    }
}
