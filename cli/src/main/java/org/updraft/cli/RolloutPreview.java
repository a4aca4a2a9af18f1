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

@Command(name = "preview", mixinStandardHelpOptions = true,
        description = {"Show which known devices each wave of a rollout gets.",
                "For a draft: what a start would do; for a started rollout: what it has, by the rule the",
                "server uses at start; a device that first checks in later joins by the same rule.",
                "--macs lists every device, not only the counts."})
final class RolloutPreview implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Parameters(paramLabel = "ID", description = "Rollout id.")
    long id;

    @Option(names = "--macs", description = "List the devices of each wave.")
    boolean macs;

    @Override
    public Integer call() {
        try (ApiClient api = remote.client()) {
            ApiClient.Reply reply = api.get(path(id) + "/preview");
            PrintWriter out = spec.commandLine().getOut();
            if (remote.json) {
                out.println(reply.body());
                out.flush();
                return 0;
            }
            JsonNode p = reply.json();
            out.println("Rollout " + Table.text(p.path("rollout")) + " (" + Table.text(p.path("state")) + "): "
                    + Table.text(p.path("devices")) + " known devices");
            Table table = macs ? Table.of("WAVE", "DEVICES", "MACS") : Table.of("WAVE", "DEVICES");
            for (JsonNode w : p.path("waves")) {
                String label = (w.path("wave").asInt() + 1) + " " + Table.text(w.path("label"));
                if (macs) {
                    table.row(label, Table.text(w.path("devices")), joined(w.path("macs")));
                } else {
                    table.row(label, Table.text(w.path("devices")));
                }
            }
            String none = String.valueOf(p.path("inNoWave").size());
            if (macs) {
                table.row("no wave", none, joined(p.path("inNoWave")));
            } else {
                table.row("no wave", none);
            }
            table.print(out);
            out.flush();
        }
        return 0;
    }

    private static String joined(JsonNode list) {
        java.util.List<String> out = new ArrayList<>();
        list.forEach(m -> out.add(m.asText()));
        return out.isEmpty() ? "-" : String.join(" ", out);
    }
}
