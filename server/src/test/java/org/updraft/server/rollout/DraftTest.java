package org.updraft.server.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.updraft.server.problem.Rejection;

/** The delivery limits of a rollout spec: install deadline, windows, rate cap and ramp, defaults and refusals. */
class DraftTest {

    static final Instant NOW = Instant.parse("2026-11-27T00:00:00Z");

    static RolloutEngine.Spec spec(Long deadline, String windows, String zone, Integer rate, Integer rampStart, Long rampEvery) {
        return new RolloutEngine.Spec("2.0.0", null, null, null, null, null, null, null, null, null, deadline, windows, zone, rate,
                rampStart, rampEvery);
    }

    @Test
    void withoutLimitsTheDeadlineComesFromThePollIntervalAndOffersAreNotLimited() {
        Draft d = Draft.of(1, 2, spec(null, null, null, null, null, null), NOW, Optional.of(Duration.ofMinutes(20)));
        assertThat(d.policy().installDeadline()).isEqualTo(Duration.ofHours(1));
        assertThat(d.policy().windows()).isNull();
        assertThat(d.policy().rate()).isNull();
        assertThat(Draft.of(1, 2, spec(null, null, null, null, null, null), NOW).policy().installDeadline())
                .as("poll interval not known").isEqualTo(Duration.ofHours(1));
        assertThat(Draft.of(1, 2, new RolloutEngine.Spec("2.0.0", null, null, null, null, null, null, null, null, null), NOW,
                Optional.of(Duration.ofSeconds(30))).policy().installDeadline()).as("the short spec").isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void givenLimitsAreTakenAsGiven() {
        Draft d = Draft.of(1, 2, spec(600L, "sat,sun 00:00-06:00", "America/New_York", 120, 10, 15L), NOW,
                Optional.of(Duration.ofMinutes(20)));
        assertThat(d.policy().installDeadline()).isEqualTo(Duration.ofMinutes(10));
        assertThat(d.policy().windows()).isEqualTo(OfferWindows.parse("sat,sun 00:00-06:00", "America/New_York"));
        assertThat(d.policy().rate()).isEqualTo(new RateCap(120, 10, Duration.ofMinutes(15)));
    }

    @Test
    void badLimitsAreRefused400WithTheReason() {
        assertRefused(spec(59L, null, null, null, null, null),
                "installDeadline must be within 60..2592000 seconds (1 minute to 30 days), was 59");
        assertRefused(spec(2_592_001L, null, null, null, null, null),
                "installDeadline must be within 60..2592000 seconds (1 minute to 30 days), was 2592001");
        assertRefused(spec(null, "mon 01:00-02:00", null, null, null, null),
                "windows need timeZone, an IANA name such as Europe/Berlin or UTC");
        assertRefused(spec(null, null, "UTC", null, null, null),
                "timeZone is given without windows: it only says in which zone the windows' hours are");
        assertRefused(spec(null, "mon 01:00-02:00", "Europe/Atlantis", null, null, null),
                "time zone 'Europe/Atlantis' is not a known IANA zone, e.g. Europe/Berlin or UTC");
        assertRefused(spec(null, null, null, null, 5, 10L), "a ramp needs offersPerMinute, the rate it ramps up to");
        assertRefused(spec(null, null, null, 0, null, null), "offersPerMinute must be within 1..100000, was 0");
        assertRefused(spec(null, null, null, 10, 5, null), "a ramp needs both rampStartPerMinute and rampDoublingMinutes, or neither");
        assertRefused(spec(null, null, null, 10, 5, 0L), "rampDoublingMinutes must be at least 1, was 0");
        assertRefused(spec(null, null, null, 10, 5, 10_001L), "rampDoublingMinutes must be within 1..10000, was 10001");
    }

    static void assertRefused(RolloutEngine.Spec spec, String message) {
        assertThatThrownBy(() -> Draft.of(1, 2, spec, NOW, Optional.empty())).isInstanceOfSatisfying(Rejection.class,
                r -> assertThat(r.status()).isEqualTo(400)).hasMessage(message);
    }
}
