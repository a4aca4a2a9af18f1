package org.updraft.server.rollout;

import java.util.ArrayList;
import java.util.List;
import org.updraft.core.version.Version;

/**
 * A set of versions written as space-separated comparisons, all of which must hold:
 * {@code ">=1.0.0 <2.0.0"}, {@code "<1.4"}, {@code "=1.2.3"}. Used to target a rollout at devices
 * running certain versions.
 */
public record VersionRange(String text, List<Bound> bounds) {

    record Bound(String op, Version version) {
        boolean test(Version v) {
            int c = v.compareTo(version);
            return switch (op) {
                case ">=" -> c >= 0;
                case ">" -> c > 0;
                case "<=" -> c <= 0;
                case "<" -> c < 0;
                case "=" -> c == 0;
                default -> throw new IllegalStateException(op);
            };
        }
    }

    public static VersionRange parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty version range; write e.g. \">=1.0.0 <2.0.0\"");
        }
        List<Bound> bounds = new ArrayList<>();
        for (String part : text.strip().split("\\s+")) {
            String op = part.startsWith(">=") || part.startsWith("<=") ? part.substring(0, 2)
                    : part.startsWith(">") || part.startsWith("<") || part.startsWith("=") ? part.substring(0, 1) : null;
            if (op == null || part.length() == op.length()) {
                throw new IllegalArgumentException("'" + part + "' in version range \"" + text + "\" is not a comparison like >=1.0.0, <2, =1.2.3");
            }
            bounds.add(new Bound(op, Version.parse(part.substring(op.length()))));
        }
        return new VersionRange(text.strip(), List.copyOf(bounds));
    }

    /** Whether the reported version is in the range; an unknown or unparsable version is not. */
    public boolean contains(String version) {
        return Version.tryParse(version).filter(v -> bounds.stream().allMatch(b -> b.test(v))).isPresent();
    }

    @Override
    public String toString() {
        return text;
    }
}
