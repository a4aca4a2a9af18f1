package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.server.audit.AuditLog;
import org.updraft.server.audit.Verification;
import org.updraft.server.store.Database;

/**
 * {@code updraft token reset-admin}: the way back in when no admin token is known. It works on the
 * database directly (the embedded file in --data-dir, or PostgreSQL by --db), beside a running
 * server; the new token works at once, no other token is revoked, and the audit log records the
 * reset as done locally — and stays one intact chain the server goes on appending to.
 */
class TokenResetAdminTest {

    private static final String PG_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "postgresql"})
    void resetAdminGivesAWorkingAdminTokenRevokesNothingAndIsAudited(String engine) throws Exception {
        String pgName = engine.equals("postgresql") ? "updraft_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) : null;
        if (pgName != null) {
            pg("CREATE DATABASE " + pgName);
        }
        String jdbcUrl = pgName == null ? null : PG_ADMIN_URL.replace("/test?", "/" + pgName + "?");
        try (UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, jdbcUrl))) {
            String lost = server.bootstrapToken().orElseThrow(); // printed at the first start, then lost

            String[] where = jdbcUrl == null ? new String[] {"--data-dir", dir.toString()} : new String[] {"--db", jdbcUrl};
            Run reset = Run.of(concat(new String[] {"token", "reset-admin"}, where));
            assertThat(reset.exit()).as(reset.toString()).isZero();
            String[] lines = reset.out().split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).isEqualTo("Created admin token #2 'reset-admin' (no other token was revoked). Its secret, shown only now:");
            String secret = lines[1];
            assertThat(secret).matches("upd_[A-Za-z0-9_-]{43}");

            // The new token is an admin token of the running server; the old one still works too.
            Run list = as(secret, server, "token", "list");
            assertThat(list.exit()).as(list.toString()).isZero();
            assertThat(list.out()).contains("\n1   bootstrap    admin ", "\n2   reset-admin  admin ");
            assertThat(list.out().lines().filter(l -> l.matches("^[12] .*")).toList())
                    .allSatisfy(l -> assertThat(l).endsWith("-"));
            Run create = as(secret, server, "token", "create", "ci", "--role", "viewer");
            assertThat(create.exit()).as(create.toString()).isZero();
            assertThat(as(lost, server, "token", "list").exit()).isZero();

            // A second reset does not collide with the first one's name.
            Run again = Run.of(concat(new String[] {"token", "reset-admin"}, where));
            assertThat(again.out()).startsWith("Created admin token #4 'reset-admin-2' ");

            // The audit log: the bootstrap, the local reset, the server's next entry, the second reset — one intact chain.
            Database db = server.database();
            List<Map<String, Object>> rows = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT seq, actor, action, target, remote, status FROM audit_log ORDER BY seq").mapToMap().list());
            assertThat(rows).extracting(r -> r.get("actor") + " | " + r.get("action") + " | " + r.get("target") + " | " + r.get("remote"))
                    .containsExactly(
                            "server | create bootstrap admin token | id=1 name=bootstrap | null",
                            "local | reset admin token (local, not over HTTP) | id=2 name=reset-admin | local",
                            "reset-admin | POST /api/v1/tokens | name=ci role=viewer id=3 | 127.0.0.1",
                            "local | reset admin token (local, not over HTTP) | id=4 name=reset-admin-2 | local");
            assertThat(new AuditLog(db.jdbi()).verify(null)).isInstanceOf(Verification.Intact.class);
            String createdBy = db.jdbi().withHandle(h -> h.createQuery("SELECT created_by FROM api_token WHERE id = 2")
                    .mapTo(String.class).one());
            assertThat(createdBy).startsWith("local reset-admin (");
        } finally {
            if (pgName != null) {
                pg("DROP DATABASE IF EXISTS " + pgName + " WITH (FORCE)");
            }
        }
    }

    @Test
    void aDirectoryWithoutADatabaseIsRefusedNotGivenAFreshOne() {
        Path typo = dir.resolve("updraft-dta");
        Run reset = Run.of("token", "reset-admin", "--data-dir", typo.toString());
        assertThat(reset.exit()).isEqualTo(1);
        assertThat(reset.out()).isEmpty();
        assertThat(reset.err()).isEqualTo("error: no Updraft database in " + typo.toAbsolutePath().normalize()
                + " (expected updraft.db there): give the server's --data-dir, or --db for PostgreSQL\n");
        assertThat(typo).doesNotExist();
    }

    private static Run as(String token, UpdraftServer server, String... args) {
        return Run.of(concat(args, new String[] {"--server", server.baseUri().toString(), "--token", token}));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static void pg(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
