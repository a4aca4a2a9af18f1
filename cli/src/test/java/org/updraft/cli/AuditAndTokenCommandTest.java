package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.server.auth.ApiTokens;

/** {@code updraft token …} and {@code updraft audit …} against a real server, and verify after tampering in its database. */
class AuditAndTokenCommandTest {

    private static final String TOKEN = ApiTokens.newSecret();

    @TempDir
    Path dir;

    private UpdraftServer start() {
        return UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null).withAdminToken(TOKEN));
    }

    private static Run as(String token, UpdraftServer server, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--server";
        all[args.length + 1] = server.baseUri().toString();
        all[args.length + 2] = "--token";
        all[args.length + 3] = token;
        return Run.of(all);
    }

    @Test
    void tokensAreCreatedShownOnceListedAndRevoked() {
        try (UpdraftServer server = start()) {
            Run create = as(TOKEN, server, "token", "create", "ci-deploy", "--role", "operator");
            assertThat(create.exit()).as(create.toString()).isZero();
            String[] lines = create.out().split("\n");
            assertThat(lines[0]).isEqualTo("Created token #2 'ci-deploy' with the operator role. Its secret, shown only now:");
            String secret = lines[1];
            assertThat(secret).matches("upd_[A-Za-z0-9_-]{43}");

            Run viewerTries = as(secret, server, "token", "list");
            assertThat(viewerTries.exit()).isEqualTo(1);
            assertThat(viewerTries.err()).isEqualTo("error: GET /api/v1/tokens needs the admin role; token 'ci-deploy' (#2) has the operator role\n");

            Run list = as(TOKEN, server, "token", "list");
            assertThat(list.exit()).as(list.toString()).isZero();
            assertThat(list.out()).startsWith("ID  NAME       ROLE      CREATED").contains("\n1   seeded     admin ", "\n2   ci-deploy  operator ")
                    .doesNotContain(secret);

            Run lastAdmin = as(TOKEN, server, "token", "revoke", "1");
            assertThat(lastAdmin.exit()).isEqualTo(1);
            assertThat(lastAdmin.err()).contains("is the last active admin token");

            Run revoke = as(TOKEN, server, "token", "revoke", "2");
            assertThat(revoke.exit()).as(revoke.toString()).isZero();
            assertThat(revoke.out()).isEqualTo("Revoked token #2 'ci-deploy'.\n");
            Run gone = as(secret, server, "product", "list");
            assertThat(gone.exit()).isEqualTo(1);
            assertThat(gone.err()).isEqualTo("error: the bearer token is not valid (unknown or revoked)\n");
        }
    }

    @Test
    void auditListShowsWhoDidWhatAndVerifyNamesTheFirstTamperedEntry() {
        try (UpdraftServer server = start()) {
            assertThat(as(TOKEN, server, "product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m").exit()).isZero();
            assertThat(as("upd_wrongwrongwrongwrongwrongwrongwrongwrong", server, "product", "list").exit()).isEqualTo(1);
            assertThat(as(TOKEN, server, "device", "pin", "AA:BB:CC:DD:EE:01", "1.0.0").exit()).isEqualTo(1);

            Run list = as(TOKEN, server, "audit", "list");
            assertThat(list.exit()).as(list.toString()).isZero();
            assertThat(list.out()).startsWith("SEQ  AT").contains(
                    "\n4    ", "seeded #1  admin  PUT /api/v1/devices/{mac}/pin  mac=AA:BB:CC:DD:EE:01 version=1.0.0  127.0.0.1  404",
                    "anonymous  -      GET /api/v1/products", "401",
                    "seeded #1  admin  POST /api/v1/products", "name=relay",
                    "server     -      seed admin token");

            Run ok = as(TOKEN, server, "audit", "verify");
            assertThat(ok.exit()).as(ok.toString()).isZero();
            assertThat(ok.out()).startsWith("Audit log intact: 4 entries.\nAnchor for the next check: --anchor 4:");
            String anchor = ok.out().substring(ok.out().indexOf("--anchor ") + "--anchor ".length()).strip();

            Run anchored = as(TOKEN, server, "audit", "verify", "--anchor", anchor);
            assertThat(anchored.exit()).as(anchored.toString()).isZero();
            assertThat(anchored.out()).startsWith("Audit log intact: 4 entries, consistent with the anchor.\n");

            server.database().jdbi().useHandle(h -> h.execute("UPDATE audit_log SET remote = '10.9.9.9' WHERE seq = 3"));
            Run edited = as(TOKEN, server, "audit", "verify");
            assertThat(edited.exit()).isEqualTo(1);
            assertThat(edited.out()).isEmpty();
            assertThat(edited.err()).isEqualTo(
                    "error: audit log broken at seq 3: seq 3 was edited: its hash does not match its content (2 entries before it are intact)\n");

            server.database().jdbi().useHandle(h -> h.execute("DELETE FROM audit_log WHERE seq = 3"));
            Run deleted = as(TOKEN, server, "audit", "verify", "--json");
            assertThat(deleted.exit()).isEqualTo(1);
            assertThat(deleted.out()).contains("\"ok\":false", "\"firstBadSeq\":3",
                    "\"problem\":\"seq 3 is missing: the log goes from seq 2 to seq 4 (rows were deleted)\"");

            Run badAnchor = as(TOKEN, server, "audit", "verify", "--anchor", "4");
            assertThat(badAnchor.exit()).as("the server's 400: a usage error").isEqualTo(2);
            assertThat(badAnchor.err()).startsWith("error: anchor must be SEQ:HASH");
        }
    }

    @Test
    void theBootstrapTokenLinesSayWhereToUseItAndWhatToDoNext() {
        assertThat(ServerCommand.bootstrap("upd_SECRET", URI.create("http://127.0.0.1:8080"), Path.of("/srv/updraft-data/bootstrap-token")))
                .isEqualTo("""
                Bootstrap admin token (shown once): upd_SECRET
                  Use it as a bearer token: export UPDRAFT_TOKEN=upd_SECRET (or --token, or the header
                  'Authorization: Bearer …' to http://127.0.0.1:8080/api/v1/…).
                  It is also kept in /srv/updraft-data/bootstrap-token (owner-only) until it is revoked; updraft commands
                  on this machine use it when neither --token nor UPDRAFT_TOKEN is given.
                  Then create named tokens (updraft token create NAME --role admin|operator|viewer)
                  and revoke this one (updraft token revoke ID; see updraft token list).
                """);
        assertThat(ServerCommand.bootstrap("upd_SECRET", URI.create("http://127.0.0.1:8080"), null))
                .contains("/api/v1/…).\n  Only its hash is stored: keep it now.\n  Then create");
        // The first start of a server on an empty database has one; the next start has none.
        try (UpdraftServer first = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null))) {
            String secret = first.bootstrapToken().orElseThrow();
            Run list = as(secret, first, "token", "list");
            assertThat(list.out()).contains("bootstrap  admin");
        }
        try (UpdraftServer again = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null))) {
            assertThat(again.bootstrapToken()).isEmpty();
        }
    }
}
