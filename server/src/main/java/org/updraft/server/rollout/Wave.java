package org.updraft.server.rollout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One step of a rollout: a named device group (devices carrying a tag, e.g. the canary bench)
 * or a cumulative share of the target (1, 10, 50, 100 percent). A device belongs to the first
 * wave that includes it.
 *
 * @param tag     the group's tag, or null for a percentage wave
 * @param percent the cumulative share of the target for a percentage wave (0 &lt; p &le; 100)
 */
public record Wave(String tag, double percent) {

    public String label() {
        return tag != null ? tag : (percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent)) + "%";
    }

    /**
     * Parses "canary,1,10,50,100": words are tag groups, numbers cumulative percentages that must
     * rise. At least one wave; percentages in (0, 100].
     */
    public static List<Wave> parseAll(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("waves are required, e.g. \"canary,1,10,50,100\" (a tag group, then cumulative percentages)");
        }
        List<Wave> waves = new ArrayList<>();
        Set<String> tags = new HashSet<>();
        double last = 0;
        for (String raw : spec.split(",")) {
            String w = raw.strip();
            if (w.endsWith("%")) {
                w = w.substring(0, w.length() - 1).strip();
            }
            if (w.isEmpty()) {
                throw new IllegalArgumentException("empty wave in \"" + spec + "\"");
            }
            if (Character.isDigit(w.charAt(0)) || w.charAt(0) == '.') {
                double p;
                try {
                    p = Double.parseDouble(w);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("wave '" + raw.strip() + "' is neither a percentage nor a tag");
                }
                if (!(p > 0 && p <= 100)) {
                    throw new IllegalArgumentException("wave " + w + "% is outside (0, 100]");
                }
                if (p <= last) {
                    throw new IllegalArgumentException("wave percentages are cumulative and must rise: " + w + "% after "
                            + new Wave(null, last).label());
                }
                last = p;
                waves.add(new Wave(null, p));
            } else {
                if (!w.matches("[A-Za-z0-9._-]{1,64}")) {
                    throw new IllegalArgumentException("wave tag '" + w + "' is not valid: 1-64 characters A-Z a-z 0-9 . _ -");
                }
                if (!tags.add(w)) {
                    throw new IllegalArgumentException("wave tag '" + w + "' appears twice");
                }
                waves.add(new Wave(w, 0));
            }
        }
        if (waves.size() > 20) {
            throw new IllegalArgumentException("at most 20 waves, got " + waves.size());
        }
        return List.copyOf(waves);
    }

    public static String format(List<Wave> waves) {
        return String.join(",", waves.stream().map(w -> w.tag != null ? w.tag : w.label().replace("%", "")).toList());
    }
}
