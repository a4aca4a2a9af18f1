package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code updraft token create|list|revoke}: management API tokens (needs an admin token);
 * {@code updraft token reset-admin}: a new admin token, made locally from the database itself.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Create, list and revoke management API tokens (roles: admin, operator, viewer); reset-admin when locked out.",
        subcommands = {TokenCommand.Create.class, TokenCommand.List.class, TokenCommand.Revoke.class, TokenCommand.ResetAdmin.class})
final class TokenCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a token; its secret is printed once and never again.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "NAME", description = "Who or what uses it, e.g. ci-deploy, alice, dashboard.")
        String name;

        @Option(names = "--role", required = true, paramLabel = "ROLE",
                description = "admin (products, tokens), operator (uploads, pins, tags, rollouts) or viewer (read only).")
        String role;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.post("/api/v1/tokens", ApiClient.object().put("name", name).put("role", role));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                } else {
                    JsonNode t = reply.json();
                    out.println("Created token #" + t.path("id").asLong() + " '" + Table.text(t.path("name")) + "' with the "
                            + Table.text(t.path("role")) + " role. Its secret, shown only now:");
                    out.println(t.path("token").asText());
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets), revoked ones included.")
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Option(names = "--limit", paramLabel = "N", description = "Stop after N tokens (default: all of them, page after page).")
        long limit;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    Pages.printJson(api, "/api/v1/tokens", limit, out);
                    return 0;
                }
                Table table = Table.of("ID", "NAME", "ROLE", "CREATED", "CREATED BY", "REVOKED");
                for (JsonNode t : Pages.all(api, "/api/v1/tokens", limit)) {
                    table.row(String.valueOf(t.path("id").asLong()), Table.text(t.path("name")), Table.text(t.path("role")),
                            Table.time(t.path("createdAt")), Table.text(t.path("createdBy")), Table.time(t.path("revokedAt")));
                }
                table.print(out);
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a token: it stops working at once. The last active admin token cannot be revoked.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "ID", description = "Token id (see updraft token list).")
        long id;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.delete("/api/v1/tokens/" + id);
                PrintWriter out = spec.commandLine().getOut();
                out.println(remote.json ? reply.body() : "Revoked token #" + id + " '" + Table.text(reply.json().path("name")) + "'.");
                forgetRevokedBootstrapToken(out);
                out.flush();
            }
            return 0;
        }

        /** The local bootstrap token file goes once the server no longer takes its token (the server's next start would remove it too). */
        private void forgetRevokedBootstrapToken(PrintWriter out) {
            java.util.Optional<java.nio.file.Path> file = RemoteOptions.localTokenFile(remote.server, System.getenv("UPDRAFT_DATA_DIR"));
            java.util.Optional<String> secret = file.flatMap(f -> org.updraft.server.auth.BootstrapTokenFile.read(f.getParent()));
            if (secret.isEmpty()) {
                return;
            }
            try (ApiClient check = new ApiClient(remote.server, secret.get())) {
                check.get("/api/v1/tokens");
            } catch (CommandFailure stillValidOrUnreachable) {
                try {
                    if (stillValidOrUnreachable.getMessage().contains("not valid") && java.nio.file.Files.deleteIfExists(file.get())) {
                        out.println("Removed " + file.get() + ": the bootstrap token in it was revoked.");
                    }
                } catch (java.io.IOException e) {
                    out.println("Could not remove " + file.get() + " (" + e.getMessage() + "); the server's next start removes it.");
                }
            }
        }
    }

    /**
     * The recovery when no admin token is known (the bootstrap token lost): opens the server's
     * database directly — never over HTTP, so only who can read the data directory or holds the
     * database credentials can do it — creates one admin token, prints it once, and records the
     * reset in the audit log as done locally. Revokes nothing. Safe beside a running server: the
     * server's audit log takes the new entry as its head.
     */
    @Command(name = "reset-admin", mixinStandardHelpOptions = true,
            description = "Locked out? Create a new admin token directly in the server's database (local access only, not over HTTP); "
                    + "it is printed once. Revokes nothing; recorded in the audit log.")
    static final class ResetAdmin implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:UPDRAFT_DATA_DIR:-updraft-data}",
                description = "The server's data directory, whose embedded database updraft.db is used"
                        + " (default: $UPDRAFT_DATA_DIR, else ./updraft-data).")
        java.nio.file.Path dataDir;

        @Option(names = "--db", paramLabel = "JDBC-URL",
                description = "The server's database instead, e.g. jdbc:postgresql://localhost:5432/updraft?user=u&password=p.")
        String jdbcUrl;

        @Override
        public Integer call() {
            String url = jdbcUrl;
            if (url == null) {
                java.nio.file.Path file = dataDir.resolve(org.updraft.server.store.EmbeddedDatabase.FILE);
                // Never a fresh database: a mistyped directory must not yield a token for an empty one.
                if (!java.nio.file.Files.isRegularFile(file)) {
                    throw new CommandFailure("no Updraft database in " + dataDir.toAbsolutePath().normalize() + " (expected "
                            + org.updraft.server.store.EmbeddedDatabase.FILE + " there): give the server's --data-dir, or --db for PostgreSQL");
                }
                url = org.updraft.server.store.EmbeddedDatabase.url(dataDir);
            }
            java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
            String by = "local reset-admin (" + System.getProperty("user.name", "?") + ")";
            org.updraft.server.auth.ApiTokens.Issued issued;
            try (org.updraft.server.store.Database db = org.updraft.server.store.Database.open(url)) {
                issued = new org.updraft.server.auth.ApiTokens(db.jdbi()).resetAdmin(by, now);
                new org.updraft.server.audit.AuditLog(db.jdbi()).append(new org.updraft.server.audit.AuditEvent(now, "local", null, null,
                        "reset admin token (local, not over HTTP)", "id=" + issued.token().id() + " name=" + issued.token().name(),
                        "local", 201));
            } catch (RuntimeException e) {
                if (e instanceof CommandFailure) {
                    throw e;
                }
                throw new CommandFailure("cannot reset the admin token: " + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("Created admin token #" + issued.token().id() + " '" + issued.token().name()
                    + "' (no other token was revoked). Its secret, shown only now:");
            out.println(issued.secret());
            out.flush();
            return 0;
        }
    }
}
