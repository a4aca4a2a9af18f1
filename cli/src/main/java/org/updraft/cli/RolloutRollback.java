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

@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Roll the fleet back in one step: a downgrade rollout of the previous release.",
                "The release is the one before the newest release devices run (or --to), the devices those running a",
                "newer version. Waves, thresholds",
                "and anti-rollback (security counters) apply as to any rollout; the releases rolled back stop being",
                "the baseline. A draft until started (--start: at once, both or neither). See docs/lifecycle.md."})
final class RolloutRollback implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
    String product;

    @Option(names = "--to", paramLabel = "VERSION", description = "The older release to go back to (default: the one before "
            + "the newest release devices run).")
    String to;

    @Option(names = "--waves", paramLabel = "LIST", description = "Waves, e.g. canary,10,100 (default: the server's).")
    String waves;

    @Option(names = "--success", paramLabel = "SHARE", description = "Share of a wave confirmed to advance, 0..1.")
    Double success;

    @Option(names = "--failure", paramLabel = "SHARE", description = "Share of a wave failed above which the rollback halts, 0..1.")
    Double failure;

    @Option(names = "--soak", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Minimum time each wave runs, e.g. 10m.")
    Duration soak;

    @Option(names = "--max-concurrent", paramLabel = "N", description = "Downloads in flight at once.")
    Integer maxConcurrent;

    @Option(names = "--tag", paramLabel = "TAG", description = "Only devices with this tag (repeatable).")
    java.util.List<String> tags;

    @Option(names = "--start", description = "Start it at once (created and started in one step, or neither).")
    boolean start;

    @Override
    public Integer call() {
        ObjectNode body = body(spec, to, waves, tags, null, success, failure, soak, maxConcurrent, null, null);
        PrintWriter out = spec.commandLine().getOut();
        try (ApiClient api = remote.client()) {
            ApiClient.Reply created = api.post("/api/v1/products/" + ApiClient.segment(product) + "/rollback"
                    + (start ? "?start=true" : ""), body);
            RolloutCreate.printCreated(created, remote.json, start, r -> "Created rollback " + Table.text(r.path("id")) + ": "
                    + Table.text(r.path("product")) + " back to " + Table.text(r.path("version")) + " ("
                    + Table.text(r.path("state")) + ", a downgrade)", out);
        }
        return 0;
    }
}
