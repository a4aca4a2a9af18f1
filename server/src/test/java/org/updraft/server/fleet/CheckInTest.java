package org.updraft.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CheckInTest {

    static final Instant AT = Instant.parse("2026-11-27T00:00:00Z");

    static CheckIn parse(Map<String, String> headers, Map<String, String> query) {
        TreeMap<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        h.putAll(headers);
        return CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/p", 0, h::get, query::get, "10.0.0.7", AT);
    }

    @Test
    void readsTheEsp8266HeaderSetCaseInsensitively() {
        CheckIn c = parse(Map.of("X-ESP8266-STA-MAC", "de:ba:7a:b1:e0:42", "x-esp8266-chip-id", "15602487",
                "x-ESP8266-free-space", "1000", "x-ESP8266-sketch-size", "400000",
                "x-ESP8266-sketch-md5", "0123456789ABCDEF0123456789abcdef", "x-ESP8266-chip-size", "4194304",
                "x-ESP8266-sdk-version", "2.5.0", "x-ESP8266-mode", "sketch", "x-ESP8266-version", "1.2"), Map.of());
        assertThat(c).isEqualTo(new CheckIn(Endpoint.HTTP_UPDATE, "/u/p", "esp8266", "DE:BA:7A:B1:E0:42", "15602487", 4_194_304L,
                1000L, 400_000L, "0123456789abcdef0123456789abcdef", null, "2.5.0", "sketch", "1.2", 0, "10.0.0.7", AT, 0));
    }

    @Test
    void readsTheEsp32HeaderSetWithUpperCaseSha256() {
        String sha = "AB".repeat(32);
        CheckIn c = parse(Map.of("x-ESP32-STA-MAC", "24:0A:C4:12:34:56", "x-ESP32-sketch-sha256", sha), Map.of());
        assertThat(c.family()).isEqualTo("esp32");
        assertThat(c.sketchSha256()).isEqualTo("ab".repeat(32));
        assertThat(c.chipId()).isNull();
    }

    @Test
    void clientsWithoutHeadersUseTheQuery() {
        CheckIn c = parse(Map.of(), Map.of("mac", "5ccf7f000001", "version", " 2 "));
        assertThat(c.family()).isNull();
        assertThat(c.mac()).isEqualTo("5C:CF:7F:00:00:01");
        assertThat(c.version()).isEqualTo("2");
    }

    @Test
    void aRangeFromAnOffsetIsAResume() {
        assertThat(CheckIn.resumeFrom("bytes=1000-")).isEqualTo(1000);
        assertThat(CheckIn.resumeFrom("bytes=1000-1999")).isEqualTo(1000);
        assertThat(CheckIn.resumeFrom("bytes=0-")).isZero();
        assertThat(CheckIn.resumeFrom("bytes=-500")).isZero();
        assertThat(CheckIn.resumeFrom("bytes=1-2,5-6")).isZero();
        assertThat(CheckIn.resumeFrom("items=5-")).isZero();
        assertThat(CheckIn.resumeFrom("bytes=x-")).isZero();
        assertThat(CheckIn.resumeFrom(null)).isZero();
    }

    @Test
    void anonymousIsAllowed() {
        assertThat(parse(Map.of(), Map.of()).mac()).isNull();
    }

    @Test
    void malformedHeadersAreNamed() {
        assertThatThrownBy(() -> parse(Map.of("x-ESP8266-STA-MAC", "DE:BA:7A:B1:E0"), Map.of()))
                .hasMessage("bad x-ESP8266-STA-MAC header: 'DE:BA:7A:B1:E0' is not a MAC address; expected six hex pairs like DE:BA:7A:B1:E0:42");
        assertThatThrownBy(() -> parse(Map.of("x-ESP8266-STA-MAC", "DE:BA:7A:B1:E0:42", "x-ESP8266-free-space", "-1"), Map.of()))
                .hasMessage("bad x-ESP8266-free-space header: '-1' is not a non-negative decimal number");
        assertThatThrownBy(() -> parse(Map.of("x-ESP8266-STA-MAC", "DE:BA:7A:B1:E0:42", "x-ESP8266-sketch-md5", "xyz"), Map.of()))
                .hasMessage("bad x-ESP8266-sketch-md5 header: 'xyz' is not 32 hex digits (MD5)");
        assertThatThrownBy(() -> parse(Map.of(), Map.of("mac", "zz")))
                .hasMessage("bad mac parameter: 'zz' is not a MAC address; expected six hex pairs like DE:BA:7A:B1:E0:42");
        assertThatThrownBy(() -> parse(Map.of(), Map.of("version", "x".repeat(65))))
                .hasMessage("bad version: 65 characters, at most 64 expected");
        assertThatThrownBy(() -> parse(Map.of("x-ESP8266-STA-MAC", "DE:BA:7A:B1:E0:42", "x-ESP8266-Chip-ID", "1".repeat(17)), Map.of()))
                .hasMessage("bad x-ESP8266-Chip-ID: 17 characters, at most 16 expected");
        assertThat(parse(Map.of("x-ESP8266-STA-MAC", "DE:BA:7A:B1:E0:42", "x-ESP8266-Chip-ID", "1".repeat(16)), Map.of()).chipId())
                .isEqualTo("1".repeat(16));
    }
}
