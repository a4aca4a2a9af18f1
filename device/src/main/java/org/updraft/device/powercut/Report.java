package org.updraft.device.powercut;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The per-profile table {@code updraft simulate powercut} prints. */
public record Report(List<Row> rows) {
    public Report {
        rows = List.copyOf(rows);
    }

    /** Bricks after a first cut and after a second cut, over every row. */
    public int totalBricks() {
        return rows.stream().mapToInt(r -> r.bricks() + r.secondBricks()).sum();
    }

    public Row row(String profile, String scenario) {
        return rows.stream().filter(r -> r.profile().equals(profile) && r.scenario().equals(scenario))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no row " + profile + " " + scenario));
    }

    public String table() {
        StringBuilder out = new StringBuilder();
        String format = "%-32s %-14s %5s %6s %6s %6s %6s %7s %7s  %s%n";
        out.append(String.format(Locale.ROOT, format, "profile", "scenario", "ops", "cuts", "old", "new", "brick",
                "2nd-cut", "2nd-brk", "brick cut points"));
        for (Row r : rows) {
            String points = r.bricks() == 0 ? "-" : compress(r.brickPoints());
            if (r.secondBricks() > 0) {
                points += "; second cuts e.g. " + r.secondBrickPoints().subList(0, Math.min(3, r.secondBricks()));
            }
            if (!r.failedFollowUps().isEmpty()) {
                points += "  FOLLOW-UP UPDATE FAILED after " + r.failedFollowUps();
            }
            out.append(String.format(Locale.ROOT, format, r.profile(), r.scenario(), r.operations(), r.cuts(),
                    r.old(), r.updated(), r.bricks(), r.secondCuts(), r.secondBricks(), points));
        }
        return out.toString();
    }

    /** {@code [BEFORE@5, BEFORE@6, TORN@4, TORN@4#1]} → {@code BEFORE 5-6; TORN 4} (operations, any torn pattern). */
    static String compress(List<String> points) {
        List<String> parts = new ArrayList<>();
        for (String mode : List.of("BEFORE", "TORN", "AFTER")) {
            List<Integer> ops = points.stream().filter(p -> p.startsWith(mode + "@"))
                    .map(p -> Integer.parseInt(p.substring(mode.length() + 1).replaceFirst("#.*", "")))
                    .distinct().sorted().toList();
            if (ops.isEmpty()) {
                continue;
            }
            StringBuilder s = new StringBuilder(mode).append(' ');
            int start = ops.get(0);
            int prev = start;
            for (int i = 1; i <= ops.size(); i++) {
                if (i < ops.size() && ops.get(i) == prev + 1) {
                    prev = ops.get(i);
                    continue;
                }
                s.append(start == prev ? String.valueOf(start) : start + "-" + prev);
                if (i < ops.size()) {
                    s.append(',');
                    start = prev = ops.get(i);
                }
            }
            parts.add(s.toString());
        }
        return String.join("; ", parts);
    }
}
