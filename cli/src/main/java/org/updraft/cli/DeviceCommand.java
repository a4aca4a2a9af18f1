package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft device list|show|pin|unpin}: the fleet as the server has seen it check in. */
@Command(name = "device", mixinStandardHelpOptions = true,
        description = "List and inspect devices that have checked in; pin a device to a release.",
        subcommands = {DeviceCommand.List.class, DeviceCommand.Show.class, DeviceCommand.Pin.class, DeviceCommand.Unpin.class, DeviceRunCommand.class})
final class DeviceCommand {

    @Command(name = "list", description = "List devices that have checked in, by MAC.")
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        // No standard --version here: --version filters by release version.
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Mixin
        RemoteOptions remote;

        @Option(names = "--product", paramLabel = "PRODUCT", description = "Only devices of this product.")
        String product;

        @Option(names = "--version", paramLabel = "VERSION", description = "Only devices running this version.")
        String version;

        @Option(names = {"-q", "--query"}, paramLabel = "TEXT", description = "Only devices whose MAC or address contains TEXT.")
        String query;

        @Override
        public Integer call() {
            Map<String, String> filter = new LinkedHashMap<>();
            filter.put("product", product);
            filter.put("version", version);
            filter.put("q", query);
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.get("/api/v1/devices" + ApiClient.query(filter));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode devices = reply.json();
                if (devices.isEmpty()) {
                    out.println(product == null && version == null && query == null
                            ? "No devices have checked in yet."
                            : "No devices match.");
                    out.flush();
                    return 0;
                }
                Table table = Table.of("MAC", "PRODUCT", "RUNNING", "LAST SEEN", "ADDRESS", "LAST OUTCOME");
                for (JsonNode d : devices) {
                    table.row(Table.text(d.path("mac")), Table.text(d.path("product")), running(d),
                            Table.time(d.path("lastSeen")), Table.text(d.path("address")), Table.text(d.path("lastOutcome")));
                }
                table.print(out);
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one device and its check-in timeline.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "MAC", description = "Device MAC address, e.g. 5C:CF:7F:01:02:03.")
        String mac;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.get("/api/v1/devices/" + ApiClient.segment(mac));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode d = reply.json();
                String outcome = Table.text(d.path("lastOutcome"));
                if (!Table.text(d.path("lastReason")).equals("-")) {
                    outcome += " (" + d.path("lastReason").asText() + ")";
                }
                out.println("Device " + Table.text(d.path("mac")));
                Table.details()
                        .row("product", Table.text(d.path("product")))
                        .row("running version", Table.text(d.path("runningVersion")))
                        .row("running sha256", Table.text(d.path("runningSha256")))
                        .row("running md5", Table.text(d.path("runningMd5")))
                        .row("pinned version", Table.text(d.path("pinnedVersion")))
                        .row("last seen", Table.time(d.path("lastSeen")))
                        .row("address", Table.text(d.path("address")))
                        .row("chip id", Table.text(d.path("chipId")))
                        .row("chip size", Table.size(d.path("chipSize")))
                        .row("free space", Table.size(d.path("freeSpace")))
                        .row("sdk version", Table.text(d.path("sdkVersion")))
                        .row("last outcome", outcome)
                        .print(out);
                JsonNode timeline = d.path("timeline");
                out.println();
                if (timeline.isEmpty()) {
                    out.println("No check-ins recorded.");
                    out.flush();
                    return 0;
                }
                out.println("Timeline:");
                Table table = Table.of("AT", "OUTCOME", "REASON", "RUNNING", "TARGET");
                for (JsonNode e : timeline) {
                    table.row(Table.time(e.path("at")), Table.text(e.path("outcome")), Table.text(e.path("reason")),
                            Table.text(e.path("runningVersion")), Table.text(e.path("targetVersion")));
                }
                table.print(out);
            }
            return 0;
        }
    }

    @Command(name = "pin", mixinStandardHelpOptions = true,
            description = "Pin a device to a release: it is offered that version instead of the newest.")
    static final class Pin implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "MAC", description = "Device MAC address.")
        String mac;

        @Parameters(index = "1", paramLabel = "VERSION", description = "Release version of the device's product.")
        String version;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.put("/api/v1/devices/" + ApiClient.segment(mac) + "/pin",
                        ApiClient.object().put("version", version));
                PrintWriter out = spec.commandLine().getOut();
                out.println(remote.json ? reply.body() : "Pinned " + mac + " to " + version + ".");
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "unpin", mixinStandardHelpOptions = true,
            description = "Remove a device's pin: it follows its product's newest release again.")
    static final class Unpin implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "MAC", description = "Device MAC address.")
        String mac;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.delete("/api/v1/devices/" + ApiClient.segment(mac) + "/pin");
                PrintWriter out = spec.commandLine().getOut();
                out.println(remote.json ? reply.body() : "Unpinned " + mac + "; it follows its product's newest release again.");
                out.flush();
            }
            return 0;
        }
    }

    /** The running version, or a short hash when the device reports only its image hash. */
    static String running(JsonNode device) {
        if (!Table.text(device.path("runningVersion")).equals("-")) {
            return device.path("runningVersion").asText();
        }
        if (!Table.text(device.path("runningSha256")).equals("-")) {
            return "sha256:" + abbreviateHash(device.path("runningSha256").asText());
        }
        if (!Table.text(device.path("runningMd5")).equals("-")) {
            return "md5:" + abbreviateHash(device.path("runningMd5").asText());
        }
        return "-";
    }

    private static String abbreviateHash(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) : hash;
    }
}
