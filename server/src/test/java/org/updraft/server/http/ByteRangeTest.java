package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every Range form of RFC 9110 §14.1.2 against a 10,000-byte image. */
class ByteRangeTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "bytes=0-1023       | 0-1023",
            "bytes=0-0          | 0-0",
            "bytes=1000-        | 1000-9999",
            "bytes=9999-        | 9999-9999",
            "bytes=-500         | 9500-9999",
            "bytes=-10000       | 0-9999",
            "bytes=-20000       | 0-9999",
            "bytes=9000-20000   | 9000-9999",
            "BYTES=5-9          | 5-9",
            "bytes= 5-9         | 5-9",
            "bytes=10000-       | 416",
            "bytes=10000-10005  | 416",
            "bytes=-0           | 416",
            "bytes=10000-,20000-| 416",
            "bytes=0-1,5-6      | whole",
            "bytes=0-1,20000-   | whole",
            "bytes=5-2          | whole",
            "bytes=abc          | whole",
            "bytes=-            | whole",
            "bytes=1-2-3        | whole",
            "items=0-5          | whole",
            "0-5                | whole",
            "bytes=99999999999999999999-| whole",
    })
    void parses(String header, String expected) {
        ByteRange r = ByteRange.parse(header, 10_000);
        String actual = switch (r) {
            case ByteRange.Whole w -> "whole";
            case ByteRange.Unsatisfiable u -> "416";
            case ByteRange.Partial p -> p.first() + "-" + p.last();
        };
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void noHeaderIsTheWholeImage() {
        assertThat(ByteRange.parse(null, 10)).isInstanceOf(ByteRange.Whole.class);
    }

    @Test
    void everySatisfiableSingleRangeOfASmallImageIsExact() {
        int len = 17;
        for (int first = 0; first < len + 3; first++) {
            for (int last = first; last < len + 3; last++) {
                ByteRange r = ByteRange.parse("bytes=" + first + "-" + last, len);
                if (first >= len) {
                    assertThat(r).isInstanceOf(ByteRange.Unsatisfiable.class);
                } else {
                    assertThat(r).isEqualTo(new ByteRange.Partial(first, Math.min(last, len - 1)));
                }
            }
        }
    }
}
