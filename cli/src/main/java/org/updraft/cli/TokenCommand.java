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

/** {@code updraft token create|list|revoke}: management API tokens (needs an admin token). */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Create, list and revoke management API tokens (roles: admin, operator, viewer).",
        subcommands = {TokenCommand.Create.class, TokenCommand.List.class, TokenCommand.Revoke.class})
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

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.get("/api/v1/tokens");
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                Table table = Table.of("ID", "NAME", "ROLE", "CREATED", "CREATED BY", "REVOKED");
                for (JsonNode t : reply.json()) {
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
                out.flush();
            }
            return 0;
        }
    }
}
