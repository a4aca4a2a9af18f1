package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft audit list|verify}: the server's hash-chained audit log (needs a viewer token). */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Show the audit log of management actions, and verify that no entry was edited or deleted.",
        subcommands = {AuditCommand.List.class, AuditCommand.Verify.class})
final class AuditCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The newest audit entries first.")
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "How many entries, newest first (default: ${DEFAULT-VALUE}; 0: the whole log, page after page).")
        long limit;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                if (limit < 0) {
                    throw new CommandFailure("--limit must be 0 (the whole log) or more, got " + limit);
                }
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    Pages.printJson(api, "/api/v1/audit", limit, out);
                    return 0;
                }
                JsonNode entries = Pages.all(api, "/api/v1/audit", limit);
                if (entries.isEmpty()) {
                    out.println("The audit log is empty.");
                    out.flush();
                    return 0;
                }
                Table table = Table.of("SEQ", "AT", "ACTOR", "ROLE", "ACTION", "TARGET", "FROM", "STATUS");
                for (JsonNode e : entries) {
                    String actor = Table.text(e.path("actor")) + (e.path("tokenId").isNumber() ? " #" + e.path("tokenId").asLong() : "");
                    table.row(String.valueOf(e.path("seq").asLong()), Table.time(e.path("at")), actor, Table.text(e.path("role")),
                            Table.text(e.path("action")), Table.text(e.path("target")), Table.text(e.path("remote")),
                            String.valueOf(e.path("status").asInt()));
                }
                table.print(out);
            }
            return 0;
        }
    }

    /**
     * The server walks the whole chain (GET /api/v1/audit/verify) — the CLI does not download the
     * log — and names the first bad seq. Exit 0 intact, 1 tampered with.
     */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check every entry's hash and link to the one before; name the first edited or deleted entry.",
                    "Exit 0 when intact, 1 when not. Keep the printed anchor and pass it next time: it also catches",
                    "entries cut off the end and a chain rewritten after that point."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Option(names = "--anchor", paramLabel = "SEQ:HASH", description = "A head printed by an earlier verify; that entry must be unchanged.")
        String anchor;

        @Override
        public Integer call() {
            Map<String, String> query = new LinkedHashMap<>();
            query.put("anchor", anchor);
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.get("/api/v1/audit/verify" + ApiClient.query(query));
                JsonNode v = reply.json();
                PrintWriter out = spec.commandLine().getOut();
                boolean ok = v.path("ok").asBoolean(false);
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return ok ? 0 : Updraft.FAILED;
                }
                if (!ok) {
                    throw new CommandFailure("audit log broken at seq " + v.path("firstBadSeq").asLong() + ": " + v.path("problem").asText()
                            + " (" + v.path("entries").asLong() + " entries before it are intact)");
                }
                long entries = v.path("entries").asLong();
                out.println("Audit log intact: " + entries + (entries == 1 ? " entry" : " entries")
                        + (anchor == null ? "" : ", consistent with the anchor") + ".");
                if (entries > 0) {
                    out.println("Anchor for the next check: --anchor " + v.path("headSeq").asLong() + ":" + v.path("headHash").asText());
                }
                out.flush();
            }
            return 0;
        }
    }
}
