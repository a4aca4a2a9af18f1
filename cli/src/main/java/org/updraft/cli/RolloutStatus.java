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

@Command(name = "status", aliases = "show", mixinStandardHelpOptions = true,
        description = {"Show a rollout with a progress bar per wave (# confirmed, x failed or rolled back).",
                "With --watch: refresh every --interval (in place on a terminal, else one snapshot each time) until the rollout"
                        + " is completed (exit 0), halted or aborted (exit 1), or --timeout passes (exit 1)."})
final class RolloutStatus implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Parameters(paramLabel = "ID", description = "Rollout id.")
    long id;

    @Option(names = "--watch", description = "Keep refreshing until the rollout finishes.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
            description = "Time between refreshes with --watch (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
            description = "Stop watching (exit 1) after this long (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        if (watch && interval.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be longer than 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (ApiClient api = remote.client()) {
            if (!watch) {
                ApiClient.Reply reply = api.get(path(id));
                if (remote.json) {
                    out.println(reply.body());
                } else {
                    snapshot(reply.json()).forEach(out::println);
                }
                out.flush();
                return 0;
            }
            return watch(api, id, out, !remote.json && stdoutIsTerminal() ? terminalColumns() : 0, remote.json, interval,
                    timeout);
        }
    }
}
