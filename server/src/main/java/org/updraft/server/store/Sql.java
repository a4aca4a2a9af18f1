package org.updraft.server.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Time conversions shared by the repositories. Timestamps cross JDBC as {@link OffsetDateTime}
 * in UTC: both H2 and PostgreSQL map that to TIMESTAMP WITH TIME ZONE without guessing a zone.
 */
public final class Sql {

    private Sql() {
    }

    public static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
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
