package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.updraft.testsupport.FuzzFindings;

/**
 * Fuzzes {@link ByteRange#parse}: for any Range header and any representation length it answers
 * Whole, Partial or Unsatisfiable, and a Partial lies inside the representation:
 * {@code 0 <= first <= last < length}.
 *
 * <p>Input (ISO-8859-1, as header bytes arrive): the length in decimal, a newline, then the header
 * value (no newline: no header). An input whose first line is not a length uses its own byte count.
 * Seeds in {@code src/test/resources/org/updraft/server/http/ByteRangeFuzzTestInputs/parse/}: the
 * forms ESP clients and curl send, suffix and open ranges, several ranges, other units.
 */
@ExtendWith(FuzzFindings.class)
class ByteRangeFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parse(byte[] data) {
        FuzzFindings.input(data);
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int nl = text.indexOf('\n');
        String header = nl < 0 ? null : text.substring(nl + 1);
        long length = nl < 0 ? data.length : lengthOf(text.substring(0, nl), data.length);
        check(ByteRange.parse(header, length), length);
    }

    private static long lengthOf(String s, long fallback) {
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return fallback;
        }
        return Long.parseLong(s);
    }

    static void check(ByteRange range, long length) {
        assertThat(range).isNotNull();
        if (range instanceof ByteRange.Partial p) {
            assertThat(p.first()).isNotNegative();
            assertThat(p.first()).isLessThanOrEqualTo(p.last());
            assertThat(p.last()).isLessThan(length);
            assertThat(p.length()).isPositive();
        } else {
            assertThat(range).isInstanceOfAny(ByteRange.Whole.class, ByteRange.Unsatisfiable.class);
        }
    }

    /** Found by this fuzz test (input crash-suffix-of-empty-representation): {@code Partial(0, -1)}. */
    @Test
    void aSuffixRangeOfAnEmptyRepresentationIsUnsatisfiable() {
        assertThat(ByteRange.parse("bytes=-1", 0)).isEqualTo(ByteRange.UNSATISFIABLE);
        assertThat(ByteRange.parse("bytes=-500", 0)).isEqualTo(ByteRange.UNSATISFIABLE);
        assertThat(ByteRange.parse("bytes=0-", 0)).isEqualTo(ByteRange.UNSATISFIABLE);
        assertThat(ByteRange.parse("bytes=-500", 1)).isEqualTo(new ByteRange.Partial(0, 0));
    }
}
