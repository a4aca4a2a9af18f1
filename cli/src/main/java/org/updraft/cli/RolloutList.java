package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import static org.updraft.cli.RolloutCommand.*;
import org.updraft.cli.RolloutCommand.*;

@Command(name = "list", mixinStandardHelpOptions = true, description = "List rollouts, oldest first.")
final class RolloutList implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Option(names = "--product", paramLabel = "PRODUCT", description = "Only rollouts of this product.")
    String product;

    @Option(names = "--limit", paramLabel = "N", description = "Stop after N rollouts (default: all of them, page after page).")
    long limit;

    @Override
    public Integer call() {
        try (ApiClient api = remote.client()) {
            Map<String, String> filter = new LinkedHashMap<>();
            filter.put("product", product);
            String path = "/api/v1/rollouts" + ApiClient.query(filter);
            PrintWriter out = spec.commandLine().getOut();
            if (remote.json) {
                Pages.printJson(api, path, limit, out);
                return 0;
            }
            JsonNode rollouts = Pages.all(api, path, limit);
            if (rollouts.isEmpty()) {
                out.println((product == null ? "No rollouts yet." : "No rollouts of " + product + " yet.")
                        + " Create one with: updraft rollout create " + (product == null ? "PRODUCT" : product) + " VERSION");
                out.flush();
                return 0;
            }
            Table table = Table.of("ID", "PRODUCT", "VERSION", "STATE", "WAVE", "CONFIRMED", "FAILED", "CREATED", "REASON");
            for (JsonNode r : rollouts) {
                int members = 0;
                int confirmed = 0;
                int failed = 0;
                for (JsonNode w : r.path("progress")) {
                    members += w.path("members").asInt();
                    confirmed += w.path("confirmed").asInt();
                    failed += w.path("failed").asInt() + w.path("rolledBack").asInt();
                }
                table.row(Table.text(r.path("id")), Table.text(r.path("product")), Table.text(r.path("version")),
                        Table.text(r.path("state")), wave(r), confirmed + "/" + members, String.valueOf(failed),
                        Table.time(r.path("createdAt")), Table.brief(r.path("reason"), 100));
            }
            table.print(out);
        }
        return 0;
    }
}
