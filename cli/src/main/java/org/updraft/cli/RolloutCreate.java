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

@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create a rollout of a release: a draft until started (--start: at once).",
                "Unset options take the server's defaults: waves 1,10,50,100, success 0.9,",
                "failure 0.1, soak 10m, 50 concurrent downloads, 5 attempts, backoff 1m."})
final class RolloutCreate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
    String product;

    @Parameters(index = "1", paramLabel = "VERSION", description = "The release to roll out (uploaded, usually with --hold).")
    String version;

    @Option(names = "--waves", paramLabel = "LIST",
            description = "Tag groups, then rising cumulative percentages, e.g. canary,1,10,50,100.")
    String waves;

    @Option(names = "--success", paramLabel = "SHARE", description = "Share of a wave confirmed to advance, 0..1 (e.g. 0.9).")
    Double success;

    @Option(names = "--failure", paramLabel = "SHARE",
            description = "Share of a wave failed or rolled back above which the rollout halts, 0..1 (e.g. 0.1).")
    Double failure;

    @Option(names = "--soak", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Minimum time per wave, e.g. 10m.")
    Duration soak;

    @Option(names = "--max-concurrent", paramLabel = "N", description = "Downloads of this rollout in flight at once.")
    Integer maxConcurrent;

    @Option(names = "--max-attempts", paramLabel = "N", description = "Attempts per device before it counts as failed.")
    Integer maxAttempts;

    @Option(names = "--backoff", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Wait after a failed attempt, doubling per attempt, e.g. 1m.")
    Duration backoff;

    @Option(names = "--tag", paramLabel = "TAG",
            description = "Only devices carrying this tag (repeatable: any of them; default every device of the product).")
    java.util.List<String> tags;

    @Option(names = "--from", paramLabel = "RANGE", description = "Only devices running a version in this range, e.g. \">=1.0 <2.0\".")
    String from;

    @Option(names = "--start", description = "Start the rollout right after creating it.")
    boolean start;

    @Option(names = "--install-deadline", paramLabel = "DURATION", converter = DurationConverter.class,
            description = {"A device that downloaded the release and has not checked in running it",
                    "within this counts as failed (\"silent after download\"), e.g. 30m",
                    "(default: 3 of the product's observed poll intervals, at least 5m; 1h if unknown)."})
    Duration installDeadline;

    @Option(names = "--window", paramLabel = "WINDOW",
            description = {"New offers only inside this window, e.g. \"mon-fri 01:00-05:00\" or \"daily 22:00-02:00\"",
                    "(repeatable; needs --time-zone). In-flight transfers finish outside it."})
    java.util.List<String> windows;

    @Option(names = "--time-zone", paramLabel = "ZONE", description = "IANA time zone of the --window hours, e.g. Europe/Berlin or UTC.")
    String timeZone;

    @Option(names = "--rate", paramLabel = "N", description = "At most N new offers per minute across the whole rollout.")
    Integer rate;

    @Option(names = "--ramp-start", paramLabel = "N",
            description = "Ramp: N new offers per minute when a wave opens, doubling every --ramp-doubling up to --rate.")
    Integer rampStart;

    @Option(names = "--ramp-doubling", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "The ramp's doubling period, whole minutes, e.g. 10m.")
    Duration rampDoubling;

    @Override
    public Integer call() {
        ObjectNode body = body(spec, version, waves, tags, from, success, failure, soak, maxConcurrent, maxAttempts, backoff);
        if (installDeadline != null) {
            body.put("installDeadlineSeconds", seconds(spec, "--install-deadline", installDeadline));
        }
        if (windows != null) {
            body.put("windows", String.join("; ", windows));
        }
        if (timeZone != null) {
            body.put("timeZone", timeZone);
        }
        if (rate != null) {
            body.put("offersPerMinute", rate);
        }
        if (rampStart != null) {
            body.put("rampStartPerMinute", rampStart);
        }
        if (rampDoubling != null) {
            if (rampDoubling.toMillis() % 60_000 != 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ramp-doubling takes whole minutes, e.g. 10m or 1h; got "
                        + human(rampDoubling));
            }
            body.put("rampDoublingMinutes", rampDoubling.toMinutes());
        }
        PrintWriter out = spec.commandLine().getOut();
        try (ApiClient api = remote.client()) {
            // --start: one request that creates and starts, both or neither (a refused start leaves no draft).
            ApiClient.Reply created = api.post("/api/v1/products/" + ApiClient.segment(product) + "/rollouts"
                    + (start ? "?start=true" : ""), body);
            printCreated(created, remote.json, start, r -> "Created rollout " + Table.text(r.path("id")) + ": "
                    + Table.text(r.path("product")) + " " + Table.text(r.path("version")) + " (" + Table.text(r.path("state")) + ")", out);
        }
        return 0;
    }

    /**
     * A rollout just created, as {@code rollout create} and {@code rollout rollback} print it: the
     * server's JSON with --json; otherwise the headline, its details, then the start's outcome
     * (--start) or how to start it.
     */
    static void printCreated(ApiClient.Reply created, boolean json, boolean start,
                             java.util.function.Function<JsonNode, String> headline, PrintWriter out) {
        if (json) {
            out.println(created.body());
            out.flush();
            return;
        }
        JsonNode rollout = created.json();
        out.println(headline.apply(rollout));
        details(rollout).print(out);
        if (start) {
            transition(rollout, out);
        } else {
            out.println("Start it with: updraft rollout start " + Table.text(rollout.path("id")));
            out.flush();
        }
    }
}
