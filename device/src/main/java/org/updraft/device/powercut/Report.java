package org.updraft.device.powercut;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The per-profile table {@code updraft simulate powercut} prints. */
public record Report(List<Row> rows) {
    public Report {
        rows = List.copyOf(rows);
    }

    public int totalBricks() {
        return rows.stream().mapToInt(Row::bricks).sum();
    }

    public Row row(String profile, String scenario) {
        return rows.stream().filter(r -> r.profile().equals(profile) && r.scenario().equals(scenario))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no row " + profile + " " + scenario));
    }

    public String table() {
        StringBuilder out = new StringBuilder();
        String format = "%-32s %-14s %5s %6s %6s %6s %6s  %s%n";
        out.append(String.format(Locale.ROOT, format, "profile", "scenario", "ops", "cuts", "old", "new", "brick", "brick cut points"));
        for (Row r : rows) {
            String points = r.bricks() == 0 ? "-" : compress(r.brickPoints());
            if (!r.failedFollowUps().isEmpty()) {
                points += "  FOLLOW-UP UPDATE FAILED after " + r.failedFollowUps();
            }
            out.append(String.format(Locale.ROOT, format, r.profile(), r.scenario(), r.operations(), r.cuts(),
                    r.old(), r.updated(), r.bricks(), points));
        }
        return out.toString();
    }

    /** {@code [BEFORE@5, BEFORE@6, TORN@4]} → {@code BEFORE 5-6; TORN 4}. */
    static String compress(List<String> points) {
        List<String> parts = new ArrayList<>();
        for (String mode : List.of("BEFORE", "TORN", "AFTER")) {
            List<Integer> ops = points.stream().filter(p -> p.startsWith(mode + "@"))
                    .map(p -> Integer.parseInt(p.substring(mode.length() + 1))).toList();
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
