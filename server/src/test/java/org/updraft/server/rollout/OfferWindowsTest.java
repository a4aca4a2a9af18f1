package org.updraft.server.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class OfferWindowsTest {

    /** A local time in Berlin as an instant. */
    static Instant berlin(String local) {
        return java.time.LocalDateTime.parse(local).atZone(ZoneId.of("Europe/Berlin")).toInstant();
    }

    @Test
    void parsesDaysRangesListsAndDailyAndWritesThemBackInWeekOrder() {
        OfferWindows w = OfferWindows.parse(" Mon-Fri 01:00-05:00 ;sat,sun 00:00-24:00; daily 22:30-23:00", "Europe/Berlin");
        assertThat(w.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(w.slots()).containsExactly(
                new OfferWindows.Slot(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), 60, 300),
                new OfferWindows.Slot(EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), 0, 1440),
                new OfferWindows.Slot(EnumSet.allOf(DayOfWeek.class), 1350, 1380));
        assertThat(w.text()).isEqualTo("mon,tue,wed,thu,fri 01:00-05:00; sat,sun 00:00-24:00; "
                + "mon,tue,wed,thu,fri,sat,sun 22:30-23:00");
        assertThat(OfferWindows.parse(w.text(), "Europe/Berlin")).isEqualTo(w);
        assertThat(OfferWindows.parse("fri-mon 10:00-11:00", "UTC").slots().get(0).days())
                .as("a range wraps over the weekend").containsExactlyInAnyOrder(DayOfWeek.FRIDAY, DayOfWeek.SATURDAY,
                        DayOfWeek.SUNDAY, DayOfWeek.MONDAY);
        assertThat(OfferWindows.parse("mon 22:00-00:00", "UTC").slots().get(0).toMinute()).as("00:00 as an end is midnight")
                .isEqualTo(1440);
    }

    @Test
    void aWindowIsOpenFromItsStartUpToButNotIncludingItsEndInTheZonesWallClockTime() {
        OfferWindows w = OfferWindows.parse("mon-fri 01:00-05:00", "Europe/Berlin");
        assertThat(w.open(berlin("2026-11-27T00:59:59"))).isFalse();
        assertThat(w.open(berlin("2026-11-27T01:00:00"))).isTrue();      // Friday
        assertThat(w.open(berlin("2026-11-27T04:59:59"))).isTrue();
        assertThat(w.open(berlin("2026-11-27T05:00:00"))).isFalse();
        assertThat(w.open(berlin("2026-11-28T02:00:00"))).as("Saturday").isFalse();
        // Summer time: 01:00 in Berlin is 23:00 UTC the day before.
        assertThat(w.open(Instant.parse("2026-07-06T23:00:00Z"))).as("Tuesday 01:00 CEST").isTrue();
        assertThat(w.open(Instant.parse("2026-07-07T03:00:00Z"))).as("Tuesday 05:00 CEST").isFalse();
    }

    @Test
    void aWindowEndingBeforeItStartsRunsPastMidnightIntoTheNextDay() {
        OfferWindows w = OfferWindows.parse("fri 22:00-02:00", "UTC");
        assertThat(w.open(Instant.parse("2026-11-27T21:59:00Z"))).isFalse();
        assertThat(w.open(Instant.parse("2026-11-27T22:00:00Z"))).as("Friday 22:00").isTrue();
        assertThat(w.open(Instant.parse("2026-11-28T01:59:59Z"))).as("Saturday 01:59").isTrue();
        assertThat(w.open(Instant.parse("2026-11-28T02:00:00Z"))).isFalse();
        assertThat(w.open(Instant.parse("2026-11-28T22:30:00Z"))).as("Saturday evening").isFalse();
        assertThat(w.open(Instant.parse("2026-11-27T01:00:00Z"))).as("Friday morning: Thursday is not listed").isFalse();
    }

    @Test
    void badWindowsAndZonesAreRefusedWithWhatWasWrong() {
        String form = "windows are 'DAYS HH:MM-HH:MM' separated by ';', DAYS one of mon..sun, a range mon-fri, a list sat,sun "
                + "or daily, e.g. \"mon-fri 01:00-05:00; sat,sun 00:00-24:00\"";
        for (List<String> c : List.of(
                List.of("", "UTC", form),
                List.of("mon", "UTC", "window 'mon': " + form),
                List.of("mon 01:00", "UTC", "window 'mon 01:00': hours must be HH:MM-HH:MM"),
                List.of("mon 1:00-2:00", "UTC", "window 'mon 1:00-2:00': '1:00' is not HH:MM"),
                List.of("mon 01:00-24:30", "UTC", "window 'mon 01:00-24:30': '24:30' is not a time of day (00:00 to 23:59; 24:00 only as an end)"),
                List.of("mon 24:00-01:00", "UTC", "window 'mon 24:00-01:00': '24:00' is not a time of day (00:00 to 23:59; 24:00 only as an end)"),
                List.of("mon 01:60-02:00", "UTC", "window 'mon 01:60-02:00': '01:60' is not a time of day (00:00 to 23:59; 24:00 only as an end)"),
                List.of("mon 03:00-03:00", "UTC", "window 'mon 03:00-03:00' is empty: it opens and closes at the same time"),
                List.of("monday 01:00-02:00", "UTC", "window 'monday 01:00-02:00': 'monday' is not a day (mon, tue, wed, thu, fri, sat, sun)"),
                List.of("mon-tue-wed 01:00-02:00", "UTC", "window 'mon-tue-wed 01:00-02:00': days 'mon-tue-wed': " + form),
                List.of("mon 01:00-02:00", "", "windows need timeZone, an IANA name such as Europe/Berlin or UTC"),
                List.of("mon 01:00-02:00", "Mars/Olympus", "time zone 'Mars/Olympus' is not a known IANA zone, e.g. Europe/Berlin or UTC"),
                List.of("mon 01:00-02:00", "+02:00", "time zone '+02:00' is an offset, not a named zone: use an IANA name such as "
                        + "Europe/Berlin (it follows daylight saving) or UTC"))) {
            assertThatThrownBy(() -> OfferWindows.parse(c.get(0), c.get(1))).as(c.get(0) + " in " + c.get(1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage(c.get(2));
        }
        assertThatThrownBy(() -> OfferWindows.parse("mon 01:00-02:00;".repeat(51), "UTC")).hasMessage("1 to 50 windows, got 51");
    }
}
