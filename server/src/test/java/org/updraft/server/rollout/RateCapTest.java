package org.updraft.server.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateCapTest {

    @Test
    void withoutARampTheCapHoldsFromTheStart() {
        RateCap cap = new RateCap(30, null, null);
        assertThat(cap.allowed(Duration.ZERO)).isEqualTo(30);
        assertThat(cap.allowed(Duration.ofDays(3))).isEqualTo(30);
    }

    @Test
    void aRampStartsAtItsRateAndDoublesEveryPeriodUpToTheCap() {
        RateCap cap = new RateCap(100, 5, Duration.ofMinutes(10));
        assertThat(cap.allowed(Duration.ofMinutes(-1))).as("a clock step back").isEqualTo(5);
        assertThat(cap.allowed(Duration.ZERO)).isEqualTo(5);
        assertThat(cap.allowed(Duration.ofMinutes(10).minusMillis(1))).isEqualTo(5);
        assertThat(cap.allowed(Duration.ofMinutes(10))).isEqualTo(10);
        assertThat(cap.allowed(Duration.ofMinutes(20))).isEqualTo(20);
        assertThat(cap.allowed(Duration.ofMinutes(30))).isEqualTo(40);
        assertThat(cap.allowed(Duration.ofMinutes(40))).isEqualTo(80);
        assertThat(cap.allowed(Duration.ofMinutes(50))).isEqualTo(100);
        assertThat(cap.allowed(Duration.ofDays(365))).as("no overflow").isEqualTo(100);
        assertThat(new RateCap(100_000, 1, Duration.ofMinutes(1)).allowed(Duration.ofMinutes(16))).isEqualTo(65_536);
        assertThat(new RateCap(100_000, 1, Duration.ofMinutes(1)).allowed(Duration.ofMinutes(17))).isEqualTo(100_000);
    }

    @Test
    void badCapsAndRampsAreRefused() {
        assertThatThrownBy(() -> new RateCap(0, null, null)).hasMessage("offersPerMinute must be within 1..100000, was 0");
        assertThatThrownBy(() -> new RateCap(100_001, null, null)).hasMessage("offersPerMinute must be within 1..100000, was 100001");
        assertThatThrownBy(() -> new RateCap(10, 2, null))
                .hasMessage("a ramp needs both rampStartPerMinute and rampDoublingMinutes, or neither");
        assertThatThrownBy(() -> new RateCap(10, null, Duration.ofMinutes(1)))
                .hasMessage("a ramp needs both rampStartPerMinute and rampDoublingMinutes, or neither");
        assertThatThrownBy(() -> new RateCap(10, 11, Duration.ofMinutes(1)))
                .hasMessage("rampStartPerMinute must be within 1..offersPerMinute (10), was 11");
        assertThatThrownBy(() -> new RateCap(10, 0, Duration.ofMinutes(1)))
                .hasMessage("rampStartPerMinute must be within 1..offersPerMinute (10), was 0");
        assertThatThrownBy(() -> new RateCap(10, 1, Duration.ofSeconds(59))).hasMessage("rampDoublingMinutes must be at least 1, was 0");
    }
}
