package org.updraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ValidateTest {

    @Test
    void echoKeepsPrintableInputUpTo64CharactersAsItIs() {
        assertThat(Validate.echo("")).isEqualTo("");
        assertThat(Validate.echo("1.0 <b>ü€</b>")).isEqualTo("1.0 <b>ü€</b>");
        assertThat(Validate.echo("x".repeat(64))).isEqualTo("x".repeat(64));
        assertThat(Validate.echo(null)).isEqualTo("null");
    }

    @Test
    void echoCutsLongerInputAt64CharactersAndSaysHowLongItWas() {
        assertThat(Validate.echo("x".repeat(65))).isEqualTo("x".repeat(64) + "... (65 characters)");
        assertThat(Validate.echo("y".repeat(10_000))).isEqualTo("y".repeat(64) + "... (10000 characters)");
    }

    @Test
    void echoReplacesEveryControlCharacterWithAQuestionMark() {
        // Every C0 and C1 control and DEL, one at a time: none survives, nothing else changes.
        for (char c = 0; c < 0xA0; c++) {
            String expected = Character.isISOControl(c) ? "a?b" : "a" + c + "b";
            assertThat(Validate.echo("a" + c + "b")).as("U+%04X", (int) c).isEqualTo(expected);
        }
        assertThat(Validate.echo("ok\nFORGED log line\r\u001b[2J")).isEqualTo("ok?FORGED log line??[2J");
    }
}
