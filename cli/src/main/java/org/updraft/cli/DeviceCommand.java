package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
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

/** {@code updraft device list|show|pin|unpin|tag|move}: the fleet as the server has seen it check in. */
@Command(name = "device", mixinStandardHelpOptions = true,
        description = "List and inspect devices that have checked in; pin a device to a release; tag devices for rollouts.",
        subcommands = {DeviceCommand.List.class, DeviceCommand.Show.class, DeviceCommand.Pin.class, DeviceCommand.Unpin.class,
                DeviceCommand.Tag.class, DeviceCommand.Move.class, DeviceCommand.Delete.class, DeviceTokenCommand.class,
                DeviceRunCommand.class, DeviceServeCommand.class})
final class DeviceCommand {

    @Command(name = "list", description = "List devices that have checked in, by MAC unless --sort says otherwise.")
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

        @Option(names = {"-q", "--query"}, paramLabel = "TEXT", description = "Only devices whose MAC, address or a tag contains TEXT.")
        String query;

        @Option(names = "--tag", paramLabel = "TAG", description = "Only devices with this tag.")
        String tag;

        @Option(names = "--outcome", paramLabel = "OUTCOME", description = {"Only devices whose latest update is in this state "
                + "(offered, downloading, downloaded, installed, confirmed, failed, rolled_back, silent), unknown-image, "
                + "or whose last check-in ended so (insufficient-space, chip-too-small, wrong-chip, up-to-date, ...)."})
        String outcome;

        @Option(names = "--seen", paramLabel = "AGE", description = "Only devices seen within AGE (30m, 1h, 1d, 7d).")
        String seen;

        @Option(names = "--unseen", paramLabel = "AGE", description = "Only devices not seen for AGE (30m, 1h, 1d, 7d).")
        String unseen;

        @Option(names = "--sort", paramLabel = "KEY", description = "mac (default), product, version or lastSeen; -KEY reverses (-lastSeen).")
        String sort;

        @Option(names = "--limit", paramLabel = "N", description = "Stop after N devices (default: all of them, page after page).")
        long limit;

        @Override
        public Integer call() {
            Map<String, String> filter = new LinkedHashMap<>();
            filter.put("product", product);
            filter.put("version", version);
            filter.put("q", query);
            filter.put("tag", tag);
            filter.put("outcome", outcome);
            filter.put("seen", seen);
            filter.put("unseen", unseen);
            filter.put("sort", sort);
            try (ApiClient api = remote.client()) {
                String path = "/api/v1/devices" + ApiClient.query(filter);
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    Pages.printJson(api, path, limit, out);
                    return 0;
                }
                JsonNode devices = Pages.all(api, path, limit);
                if (devices.isEmpty()) {
                    out.println(filter.values().stream().allMatch(java.util.Objects::isNull)
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
                        .row("tags", tags(d))
                        .row("last seen", Table.time(d.path("lastSeen")))
                        .row("check-ins", Table.text(d.path("checkIns")))
                        .row("address", Table.text(d.path("address")))
                        .row("chip id", Table.text(d.path("chipId")))
                        .row("chip size", Table.size(d.path("chipSize")))
                        .row("free space", Table.size(d.path("freeSpace")))
                        .row("sdk version", Table.text(d.path("sdkVersion")))
                        .row("last outcome", outcome)
                        .print(out);
                JsonNode updates = d.path("updates");
                if (!updates.isEmpty()) {
                    out.println();
                    out.println("Updates (times after the offer):");
                    Table table = Table.of("RELEASE", "ROLLOUT", "STATE", "ATTEMPTS", "OFFERED", "DOWNLOADED", "INSTALLED",
                            "FINISHED", "NEXT ATTEMPT", "LAST ERROR");
                    for (JsonNode u : updates) {
                        table.row(Table.text(u.path("release")), Table.text(u.path("rollout")), Table.text(u.path("state")),
                                Table.text(u.path("attempts")), Table.time(u.path("offeredAt")),
                                after(u.path("offeredAt"), u.path("downloadedAt")), after(u.path("offeredAt"), u.path("installedAt")),
                                after(u.path("offeredAt"), u.path("finishedAt")), Table.time(u.path("nextAttemptAt")),
                                Table.brief(u.path("lastError"), 60));
                    }
                    table.print(out);
                }
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

    @Command(name = "move", mixinStandardHelpOptions = true,
            description = "Move a device (its record and its token) to another product; its pin is dropped. "
                    + "A check-in never moves a device out of a product that enrolls.")
    static final class Move implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "MAC", description = "Device MAC address.")
        String mac;

        @Parameters(index = "1", paramLabel = "PRODUCT", description = "The product the device moves to.")
        String product;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.put("/api/v1/devices/" + ApiClient.segment(mac) + "/product",
                        ApiClient.object().put("product", product));
                PrintWriter out = spec.commandLine().getOut();
                out.println(remote.json ? reply.body() : "Moved " + mac + " to product " + product + ".");
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

    @Command(name = "tag", mixinStandardHelpOptions = true,
            description = {"Replace a device's tags (groups for rollout targets and canary waves).",
                    "The device then carries exactly the TAGs given; --clear removes them all."})
    static final class Tag implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "MAC", description = "Device MAC address.")
        String mac;

        @Parameters(index = "1..*", arity = "0..*", paramLabel = "TAG", description = "Tags, e.g. canary bench-2 (A-Z a-z 0-9 . _ -).")
        java.util.List<String> tags;

        @Option(names = "--clear", description = "Remove every tag.")
        boolean clear;

        @Override
        public Integer call() {
            boolean given = tags != null && !tags.isEmpty();
            if (given == clear) {
                throw new CommandLine.ParameterException(spec.commandLine(), given
                        ? "give TAGs or --clear, not both"
                        : "give one or more TAGs, or --clear to remove them all");
            }
            ArrayNode list = JsonNodeFactory.instance.arrayNode();
            if (given) {
                tags.forEach(list::add);
            }
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.put("/api/v1/devices/" + ApiClient.segment(mac) + "/tags",
                        ApiClient.object().set("tags", list));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                } else {
                    String now = tags(reply.json());
                    out.println(now.equals("-") ? "Cleared the tags of " + mac + "." : "Tagged " + mac + ": " + now + ".");
                }
                out.flush();
            }
            return 0;
        }
    }

    /** A device's tags as "bench-2, canary", or "-". */
    static String tags(JsonNode device) {
        java.util.List<String> tags = new ArrayList<>();
        for (JsonNode t : device.path("tags")) {
            tags.add(t.asText());
        }
        return tags.isEmpty() ? "-" : String.join(", ", tags);
    }

    /** When {@code later} happened after {@code start}: "+4s", "+1m 5s"; "-" when either is unknown. */
    static String after(JsonNode start, JsonNode later) {
        Instant from = instant(start);
        Instant to = instant(later);
        if (from == null || to == null) {
            return Table.time(later);
        }
        Duration d = Duration.between(from, to);
        return d.isNegative() ? Table.time(later) : "+" + RolloutCommand.human(Duration.ofSeconds(d.toSeconds()));
    }

    private static Instant instant(JsonNode value) {
        if (value == null || !value.isTextual()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.asText()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
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

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = {"Delete a device's record: its row, tags and check-in timeline.",
                    "Its update history stays with the MAC (it holds the anti-rollback floor). The device registers afresh on",
                    "its next check-in.",
                    "Refused while the device has a live token (updraft device token revoke MAC)."})
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "MAC", description = "Device MAC address, e.g. 5C:CF:7F:01:02:03.")
        String mac;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.delete("/api/v1/devices/" + ApiClient.segment(mac));
                PrintWriter out = spec.commandLine().getOut();
                out.println(remote.json ? reply.body() : "Deleted the record of device " + Table.text(reply.json().path("mac")) + ".");
                out.flush();
            }
            return 0;
        }
    }
}
