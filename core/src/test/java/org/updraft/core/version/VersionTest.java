package org.updraft.core.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VersionTest {

    /** Strictly increasing, except where noted equal neighbours (compared below). */
    private static final List<String> ORDER = List.of(
            "0.0.1", "0.1", "0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
            "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2", "1.2.3-rc.1",
            "1.2.3", "1.2.3.1", "1.10", "2", "v2.0.1", "2.1.0-0", "2.1.0-1", "2.1.0-a", "2.1.0",
            "3", "9.9.9", "10", "2023.12.31", "2024.05.01", "2024.5.2", "99999999999999999999");

    @Test
    void sortingAShuffledListGivesTheExactOrder() {
        List<Version> shuffled = new ArrayList<>(ORDER.stream().map(Version::parse).toList());
        Collections.shuffle(shuffled, new Random(42));

        Collections.sort(shuffled);

        assertThat(shuffled).extracting(Version::toString).containsExactlyElementsOf(ORDER);
        for (int i = 1; i < ORDER.size(); i++) {
            assertThat(Version.parse(ORDER.get(i)).isNewerThan(Version.parse(ORDER.get(i - 1))))
                    .as(ORDER.get(i) + " > " + ORDER.get(i - 1)).isTrue();
        }
    }

    @Test
    void missingComponentsAreZeroAndEqualityFollowsOrder() {
        assertThat(Version.parse("1.2")).isEqualTo(Version.parse("1.2.0")).hasSameHashCodeAs(Version.parse("v1.2.0"));
        assertThat(Version.parse("2").compareTo(Version.parse("2.0.0"))).isZero();
        assertThat(Version.parse("2024.05.01")).isEqualTo(Version.parse("2024.5.1"));
        assertThat(Version.parse("1.0.0+build.1")).isEqualTo(Version.parse("1.0.0+build.2"));
        assertThat(Version.parse("1.0.0-rc.01")).isEqualTo(Version.parse("1.0.0-rc.1"));
        assertThat(Version.parse("1.0.0-rc.1")).isNotEqualTo(Version.parse("1.0.0"));
    }

    @Test
    void toStringIsTheOriginalTextAndNormalizedIsCanonical() {
        Version v = Version.parse("v2024.05.01+ci.7");

        assertThat(v).hasToString("v2024.05.01+ci.7");
        assertThat(v.normalized()).isEqualTo("2024.5.1");
        assertThat(Version.parse("1.0.0").normalized()).isEqualTo("1");
        assertThat(Version.parse("0").normalized()).isEqualTo("0");
        assertThat(Version.parse("1.2.3-RC.01").normalized()).isEqualTo("1.2.3-RC.1");
        assertThat(Version.parse("1.2.3-rc.1").isPreRelease()).isTrue();
        assertThat(Version.parse("2").isPreRelease()).isFalse();
    }

    @Test
    void parseErrorsSayWhatIsWrong() {
        assertThatThrownBy(() -> Version.parse("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid version '': it is empty");
        assertThatThrownBy(() -> Version.parse(" 1.0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid version ' 1.0': it contains whitespace at position 0");
        assertThatThrownBy(() -> Version.parse("1.0\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid version '1.0?': it contains the control character U+000A at position 3");
        // The refused text is echoed by the one rule (Validate.echo): no raw control character
        // reaches a log line or an answer, even at the longest length that is echoed at all.
        assertThatThrownBy(() -> Version.parse("1\r\n\u001b[31m" + "2".repeat(56))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid version '1???[31m" + "2".repeat(56) + "': it contains the control character U+000D at position 1");
        assertThatThrownBy(() -> Version.parse("1.0\u0085\u007f")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid version '1.0??': it contains the control character U+0085 at position 3");
        assertThatThrownBy(() -> Version.parse("1".repeat(65))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid version (65 characters): at most 64 characters are allowed");
        assertThatThrownBy(() -> Version.parse("1.0a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid version '1.0a': expected numbers separated by dots, like 2, 1.2.3 or"
                        + " 2024.05.01, optionally with a leading 'v', '-pre.release' and '+build'");
        for (String bad : List.of("v", "1.", ".1", "1..2", "1.0-", "1.0-rc..1", "1.0+", "1.0+a..b",
                "latest", "1.0.0-rc_1", "<html>")) {
            assertThatThrownBy(() -> Version.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("invalid version '" + bad + "': ");
        }
    }

    @Test
    void longestAcceptedIs64Characters() {
        assertThat(Version.parse("1".repeat(64)).normalized()).hasSize(64);
    }

    @Test
    void tryParseIsEmptyForNullAndForWhatParseRefuses() {
        assertThat(Version.tryParse("v1.2")).hasValue(Version.parse("1.2.0"));
        assertThat(Version.tryParse(null)).isEmpty();
        assertThat(Version.tryParse("")).isEmpty();
        assertThat(Version.tryParse("1.0\u0007")).isEmpty();
    }
}
