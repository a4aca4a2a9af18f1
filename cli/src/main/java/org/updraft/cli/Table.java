package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain-text columns for terminal output: left-aligned, two spaces apart, no trailing blanks. Also the one
 * place that turns JSON values into cell text ("-" for absent, instants in UTC to the second, sizes in
 * KiB/MiB when exact).
 */
final class Table {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private final String indent;
    private final List<String[]> rows = new ArrayList<>();

    private Table(String indent) {
        this.indent = indent;
    }

    /** A table whose first row is the header. */
    static Table of(String... header) {
        return new Table("").row(header);
    }

    /** Label/value lines, indented under a title. */
    static Table details() {
        return new Table("  ");
    }

    Table row(String... cells) {
        rows.add(cells.clone());
        return this;
    }

    void print(PrintWriter out) {
        int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** The value as text, "-" when absent, null or empty. */
    static String text(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return "-";
        }
        String text = value.isValueNode() ? value.asText() : value.toString();
        return text.isEmpty() ? "-" : text;
    }

    /** An instant as "2026-11-27 01:43:12Z": from ISO-8601 text, or epoch seconds (Jackson's default) / millis. */
    static String time(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return "-";
        }
        if (value.isNumber()) {
            BigDecimal number = value.decimalValue();
            Instant instant = number.abs().compareTo(BigDecimal.valueOf(100_000_000_000L)) > 0
                    ? Instant.ofEpochMilli(number.longValue())
                    : Instant.ofEpochSecond(number.longValue());
            return WHEN.format(instant);
        }
        String text = value.asText();
        try {
            return WHEN.format(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException notOffset) {
            try {
                return WHEN.format(Instant.parse(text));
            } catch (DateTimeParseException notInstant) {
                return text(value);
            }
        }
    }

    /** A byte count as "4 MiB", "1020 KiB" when exact, else "12345 B". */
    static String size(JsonNode value) {
        if (value == null || !value.canConvertToLong()) {
            return text(value);
        }
        long bytes = value.asLong();
        if (bytes > 0 && bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MiB";
        }
        if (bytes > 0 && bytes % 1024 == 0) {
            return bytes / 1024 + " KiB";
        }
        return bytes + " B";
    }

    /** First line of free text, at most {@code max} characters. */
    static String brief(JsonNode value, int max) {
        String text = text(value).strip();
        int newline = text.indexOf('\n');
        if (newline >= 0) {
            text = text.substring(0, newline).strip() + " ...";
        }
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }
}
