package org.updraft.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.updraft.testsupport.FuzzFindings;

/**
 * Fuzzes {@link CheckIn#parse} with arbitrary header and query maps: it returns a CheckIn or throws
 * an IllegalArgumentException naming the bad header (exactly that class, with a message), nothing
 * else; a returned CheckIn holds only normalised, bounded values.
 *
 * <p>Input: UTF-8 lines. {@code ?name=value} is a query parameter, any other line {@code Name: value}
 * a header (case-insensitive names, first one wins, as Jetty's {@code HttpFields.get}). Seeds in
 * {@code src/test/resources/org/updraft/server/fleet/CheckInFuzzTestInputs/parse/}: the header sets
 * ESP8266httpUpdate and ESP32 HTTPUpdate send, NONOS/esp_https_ota query-only check-ins.
 */
@ExtendWith(FuzzFindings.class)
class CheckInFuzzTest {

    static final Instant AT = Instant.parse("2026-11-27T00:00:00Z");
    static final Pattern MAC = Pattern.compile("([0-9A-F]{2}:){5}[0-9A-F]{2}");
    static final Pattern LOWER_HEX = Pattern.compile("[0-9a-f]*");

    @FuzzTest(maxDuration = "60s")
    void parse(byte[] data) {
        FuzzFindings.input(data);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        Map<String, String> query = new HashMap<>();
        for (String line : new String(data, StandardCharsets.UTF_8).split("\n", -1)) {
            if (line.startsWith("?")) {
                int eq = line.indexOf('=');
                query.putIfAbsent(eq < 0 ? line.substring(1) : line.substring(1, eq), eq < 0 ? "" : line.substring(eq + 1));
            } else {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.putIfAbsent(line.substring(0, colon), line.substring(colon + 1).strip());
                }
            }
        }
        Endpoint endpoint = Endpoint.values()[data.length % Endpoint.values().length];
        CheckIn c;
        try {
            c = CheckIn.parse(endpoint, "/u/p", 0, headers::get, query::get, "10.0.0.7", AT);
        } catch (IllegalArgumentException e) {
            assertThat(e).isExactlyInstanceOf(IllegalArgumentException.class);
            assertThat(e.getMessage()).startsWith("bad ");
            return;
        }
        assertThat(c.family()).isIn(null, "esp8266", "esp32");
        assertThat(c.resumeFrom()).isNotNegative();
        if (c.mac() != null) {
            assertThat(c.mac()).matches(MAC);
        }
        for (Long n : new Long[] {c.chipSize(), c.freeSpace(), c.sketchSize()}) {
            if (n != null) {
                assertThat(n).isNotNegative();
            }
        }
        if (c.sketchMd5() != null) {
            assertThat(c.sketchMd5()).hasSize(32).matches(LOWER_HEX);
        }
        if (c.sketchSha256() != null) {
            assertThat(c.sketchSha256()).hasSize(64).matches(LOWER_HEX);
        }
        for (String text : new String[] {c.chipId(), c.sdkVersion(), c.mode(), c.version()}) {
            if (text != null) {
                assertThat(text.length()).isLessThanOrEqualTo(64);
                assertThat(text.chars().noneMatch(Character::isISOControl)).isTrue();
            }
        }
        if (c.version() != null) {
            assertThat(c.version()).isEqualTo(c.version().trim()).isNotBlank();
        }
    }

    /**
     * Found by this fuzz test (input crash-version-of-nul-characters): {@code ?version=%00%00%00} is not
     * blank to {@link String#isBlank()} but {@link String#trim()} removed every NUL, so the check-in
     * carried the empty version "". Now the value is stripped of whitespace only and the control
     * characters are refused like in any other field.
     */
    @Test
    void aVersionOfControlCharactersIsRefusedNotEmptied() {
        assertThatThrownBy(() -> CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/p", 0, h -> null,
                Map.of("version", "\0\0\0")::get, "10.0.0.7", AT))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad version: contains the control character U+0000 at position 0; expected printable text like 1.0.0-dev+abc");
        assertThat(CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/p", 0, h -> null, Map.of("version", " 2 ")::get,
                "10.0.0.7", AT).version()).isEqualTo("2");
    }
}
