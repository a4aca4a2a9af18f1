package org.updraft.server.rollout;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Maintenance windows of a rollout: the days and hours, in one named IANA time zone, in which it
 * makes new offers (docs/rollouts.md, "Maintenance windows"). Outside them a running rollout offers
 * nothing new; a transfer in flight finishes and a broken one may be resumed.
 *
 * <p>Text form: windows separated by {@code ;}, each {@code DAYS HH:MM-HH:MM} where DAYS is
 * {@code mon..sun}, a range {@code mon-fri} or a list {@code sat,sun}, or {@code daily}; for example
 * {@code "mon-fri 01:00-05:00; sat,sun 00:00-24:00"}. A window whose end is before its start runs
 * past midnight into the next day ({@code fri 22:00-02:00} is Friday 22:00 to Saturday 02:00);
 * its days name the day it opens. Times are wall-clock times in the zone, so a window follows the
 * zone's daylight-saving changes.
 *
 * @param slots at least one, at most 50
 */
public record OfferWindows(ZoneId zone, List<Slot> slots) {

    private static final String FORM = "windows are 'DAYS HH:MM-HH:MM' separated by ';', DAYS one of mon..sun, a range "
            + "mon-fri, a list sat,sun or daily, e.g. \"mon-fri 01:00-05:00; sat,sun 00:00-24:00\"";

    /**
     * One window: opens on each of {@code days} at {@code fromMinute} (minutes after midnight) and
     * closes at {@code toMinute}, the next day when {@code toMinute <= fromMinute}.
     */
    public record Slot(Set<DayOfWeek> days, int fromMinute, int toMinute) {
        public Slot {
            days = Set.copyOf(days);
        }

        /** Open at this local day and minute of the day. */
        boolean open(DayOfWeek day, int minute) {
            if (fromMinute < toMinute) {
                return days.contains(day) && minute >= fromMinute && minute < toMinute;
            }
            // Past midnight: the evening part on a listed day, the morning part on the day after one.
            return days.contains(day) && minute >= fromMinute || days.contains(day.minus(1)) && minute < toMinute;
        }

        String text() {
            StringBuilder b = new StringBuilder();
            for (DayOfWeek d : DayOfWeek.values()) {
                if (days.contains(d)) {
                    b.append(b.isEmpty() ? "" : ",").append(day(d));
                }
            }
            return b + " " + time(fromMinute) + "-" + time(toMinute);
        }
    }

    public OfferWindows {
        if (zone == null) {
            throw new IllegalArgumentException("windows need a time zone, an IANA name such as Europe/Berlin");
        }
        slots = List.copyOf(slots);
        if (slots.isEmpty() || slots.size() > 50) {
            throw new IllegalArgumentException("1 to 50 windows, got " + slots.size());
        }
    }

    /**
     * Parses the text form in the named zone; a bad window or zone is refused with what was wrong.
     * {@code zoneName} must be an IANA region name (Europe/Berlin) or UTC; offsets such as +02:00 are
     * refused because they ignore daylight saving.
     */
    public static OfferWindows parse(String text, String zoneName) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(FORM);
        }
        ZoneId zone = zone(zoneName);
        List<Slot> slots = new ArrayList<>();
        for (String raw : text.split(";")) {
            String w = raw.strip().toLowerCase(Locale.ROOT);
            int space = w.lastIndexOf(' ');
            if (space < 0) {
                throw new IllegalArgumentException("window '" + raw.strip() + "': " + FORM);
            }
            Set<DayOfWeek> days = days(w.substring(0, space).replace(" ", ""), raw.strip());
            String[] hours = w.substring(space + 1).split("-", -1);
            if (hours.length != 2) {
                throw new IllegalArgumentException("window '" + raw.strip() + "': hours must be HH:MM-HH:MM");
            }
            int from = minute(hours[0], raw.strip(), false);
            // 00:00 as an end is midnight at the end of the day, the same as 24:00.
            int to = minute(hours[1], raw.strip(), true) == 0 ? 24 * 60 : minute(hours[1], raw.strip(), true);
            if (from == to) {
                throw new IllegalArgumentException("window '" + raw.strip() + "' is empty: it opens and closes at the same time");
            }
            slots.add(new Slot(days, from, to));
        }
        return new OfferWindows(zone, slots);
    }

    /** The zone by IANA name (or UTC), refused when unknown or a fixed offset. */
    static ZoneId zone(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("windows need timeZone, an IANA name such as Europe/Berlin or UTC");
        }
        try {
            ZoneId z = ZoneId.of(name.strip());
            if (!z.getId().equals("UTC") && !z.getId().contains("/")) {
                throw new IllegalArgumentException("time zone '" + name.strip() + "' is an offset, not a named zone: use an IANA "
                        + "name such as Europe/Berlin (it follows daylight saving) or UTC");
            }
            return z;
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("time zone '" + name.strip() + "' is not a known IANA zone, e.g. Europe/Berlin or UTC");
        }
    }

    /** Whether new offers may be made at this instant. */
    public boolean open(Instant at) {
        ZonedDateTime local = at.atZone(zone);
        int minute = local.getHour() * 60 + local.getMinute();
        return slots.stream().anyMatch(s -> s.open(local.getDayOfWeek(), minute));
    }

    /** The stored text form (days in week order), which {@link #parse} reads back to an equal value. */
    public String text() {
        return String.join("; ", slots.stream().map(Slot::text).toList());
    }

    private static Set<DayOfWeek> days(String spec, String window) {
        if (spec.equals("daily")) {
            return EnumSet.allOf(DayOfWeek.class);
        }
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String part : spec.split(",")) {
            String[] range = part.split("-", -1);
            if (range.length == 1) {
                days.add(day(range[0], window));
            } else if (range.length == 2) {
                DayOfWeek a = day(range[0], window);
                DayOfWeek b = day(range[1], window);
                for (DayOfWeek d = a; ; d = d.plus(1)) {
                    days.add(d);
                    if (d == b) {
                        break;
                    }
                }
            } else {
                throw new IllegalArgumentException("window '" + window + "': days '" + part + "': " + FORM);
            }
        }
        return days;
    }

    private static DayOfWeek day(String s, String window) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (day(d).equals(s)) {
                return d;
            }
        }
        throw new IllegalArgumentException("window '" + window + "': '" + s + "' is not a day (mon, tue, wed, thu, fri, sat, sun)");
    }

    private static String day(DayOfWeek d) {
        return d.name().substring(0, 3).toLowerCase(Locale.ROOT);
    }

    private static int minute(String s, String window, boolean end) {
        if (!s.matches("\\d{2}:\\d{2}")) {
            throw new IllegalArgumentException("window '" + window + "': '" + s + "' is not HH:MM");
        }
        int h = Integer.parseInt(s.substring(0, 2));
        int m = Integer.parseInt(s.substring(3));
        if (m > 59 || h > 24 || h == 24 && (m != 0 || !end)) {
            throw new IllegalArgumentException("window '" + window + "': '" + s + "' is not a time of day (00:00 to 23:59; 24:00 "
                    + "only as an end)");
        }
        return h * 60 + m;
    }

    private static String time(int minute) {
        return String.format(Locale.ROOT, "%02d:%02d", minute / 60, minute % 60);
    }
}
