package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import org.eclipse.jetty.io.EofException;
import org.junit.jupiter.api.Test;

/**
 * No Java type's name reaches an answer or stored text: exception messages pass through the one
 * rule ({@link Exchange#withoutJavaTypes}, {@link Exchange#reason}), and a JSON field of an
 * unexpected kind is described by a fixed phrase ({@link Json#expected}).
 */
class JavaTypesTest {

    @Test
    void anExceptionsNameBeforeItsMessageIsDropped() {
        assertThat(Exchange.withoutJavaTypes("java.io.IOException: Broken pipe")).isEqualTo("Broken pipe");
        assertThat(Exchange.withoutJavaTypes("org.eclipse.jetty.io.EofException: reset")).isEqualTo("reset");
        assertThat(Exchange.withoutJavaTypes("EofException: Connection reset by peer")).isEqualTo("Connection reset by peer");
        assertThat(Exchange.withoutJavaTypes("Cannot deserialize value of type `java.lang.Long` from String"))
                .isEqualTo("Cannot deserialize value of type a value from String");
        assertThat(Exchange.withoutJavaTypes("no org.updraft.server.http.ManagementApi$NewProduct here"))
                .isEqualTo("no a value here");
        assertThat(Exchange.withoutJavaTypes("An Error happened: disk full")).isEqualTo("An Error happened: disk full");
    }

    @Test
    void theReasonIsTheInnermostCausesFirstLineInWords() {
        assertThat(Exchange.reason(new EofException(new IOException("Broken pipe")), "the connection closed"))
                .isEqualTo("Broken pipe");
        assertThat(Exchange.reason(new UncheckedIOException(new IOException("java.io.IOException: Broken pipe\n\tat x")),
                "the connection closed")).isEqualTo("Broken pipe");
        assertThat(Exchange.reason(new EofException(), "the connection closed")).isEqualTo("the connection closed");
        assertThat(Exchange.reason(new IOException("java.nio.channels.ClosedChannelException"), "closed")).isEqualTo("closed");
        assertThat(Dispatcher.reason(new IllegalStateException("x", new java.sql.SQLException(
                "org.sqlite.SQLiteException: [SQLITE_READONLY] attempt to write a readonly database"))))
                .isEqualTo("[SQLITE_READONLY] attempt to write a readonly database");
    }

    @Test
    void aFieldOfAnotherKindIsNamedByAFixedPhrase() {
        assertThat(Json.expected(Long.class)).isEqualTo("a whole number");
        assertThat(Json.expected(Map.class)).isEqualTo("an object");
        assertThat(Json.expected(Instant.class)).isEqualTo("a string");
        assertThat(Json.expected(JsonNode.class)).isEqualTo("a value of another type");
        assertThat(Json.expected(Object.class)).isEqualTo("a value of another type");
    }
}
