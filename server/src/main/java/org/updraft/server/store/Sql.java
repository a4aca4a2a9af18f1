package org.updraft.server.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;
import org.sqlite.SQLiteConnection;

/**
 * Time conversions shared by the repositories, for both engines.
 *
 * <p>PostgreSQL stores a timestamp as TIMESTAMP WITH TIME ZONE; it crosses JDBC as an
 * {@link OffsetDateTime} in UTC ({@link #utc}), so the driver never guesses a zone. SQLite has no
 * timestamp type: there a timestamp is TEXT in exactly one form, {@link #text}
 * ({@code 2026-12-06T19:42:02.123456Z}: UTC, always six fraction digits, 27 characters), so text
 * order is time order and a bound timestamp compares correctly with a stored one. The SQLite
 * schema refuses any other form (db/migration/sqlite). Both engines keep microseconds; the
 * repositories truncate their clock to microseconds before they write.
 *
 * <p>JDBI binds {@link #utc}'s OffsetDateTime on SQLite as {@link #text} (the argument factory
 * {@link Database} registers); plain JDBC asks {@link #timestamps(Connection)} once per batch.
 */
public final class Sql {

    /** The SQLite form; 'uuuu' (not 'yyyy') so a year is never read as era-relative. */
    private static final DateTimeFormatter TEXT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Instant FIRST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999999Z");

    private Sql() {
    }

    public static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /**
     * The SQLite form of a timestamp (see the class comment), truncated to microseconds; null for null.
     * Years outside 0000-9999 would break the fixed width, so they are refused.
     */
    public static String text(Instant instant) {
        if (instant == null) {
            return null;
        }
        if (instant.isBefore(FIRST) || instant.isAfter(LAST)) {
            throw new IllegalArgumentException("timestamp " + instant + " is outside the years 0000-9999 the database stores");
        }
        return TEXT.format(instant.truncatedTo(ChronoUnit.MICROS));
    }

    /** How plain JDBC on this connection binds a timestamp: {@link #text} on SQLite, {@link #utc} otherwise. */
    public static Function<Instant, Object> timestamps(Connection c) throws SQLException {
        return c.isWrapperFor(SQLiteConnection.class) ? Sql::text : Sql::utc;
    }

    /** A timestamp column of either engine: SQLite answers the text form, PostgreSQL a timestamp. */
    public static Instant instant(ResultSet rs, String column) throws SQLException {
        Object v = rs.getObject(column);
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                throw new SQLException("column " + column + " holds '" + s + "', not a timestamp in the form "
                        + "2026-12-06T19:42:02.123456Z", e);
            }
        }
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    /** A nullable BIGINT column. */
    public static Long longOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** Text for a VARCHAR(300) reason/error column: at most 300 characters, "..." marking a cut. */
    public static String clip(String s) {
        return s == null || s.length() <= 300 ? s : s.substring(0, 297) + "...";
    }
}
