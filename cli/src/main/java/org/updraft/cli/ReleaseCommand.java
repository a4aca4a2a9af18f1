package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import org.updraft.core.image.InvalidImageException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft release upload|list|show|unhold|archive}: versions of a product's firmware. */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = "Upload, list, show, un-hold and archive releases (a version of a product's firmware, with its image files).",
        subcommands = {ReleaseCommand.Upload.class, ReleaseCommand.List.class, ReleaseCommand.Show.class,
                ReleaseCommand.Unhold.class, ReleaseCommand.Archive.class})
final class ReleaseCommand {

    @Command(name = "upload", mixinStandardHelpOptions = true,
            description = {"Validate image files locally, then upload them as a new release (streamed, with progress).",
                    "Arduino, ESP32 and ESP-IDF products take --firmware; NONOS products take --user1 and --user2."})
    static final class Upload implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1", paramLabel = "VERSION", description = "Release version, e.g. 1.2.0.")
        String version;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Images images;

        @Option(names = "--notes", paramLabel = "TEXT", description = "Release notes.")
        String notes;

        @Option(names = "--downgrade", description = "Allow devices running a newer version to install this one.")
        boolean downgrade;

        @Option(names = "--hold", description = "Hold the release: devices get it only through a rollout (updraft rollout create).")
        boolean hold;

        static final class Images {
            @Option(names = "--firmware", required = true, paramLabel = "FILE", description = "The image (Arduino, ESP32, ESP-IDF).")
            Path firmware;

            @ArgGroup(exclusive = false, multiplicity = "1")
            NonosPair pair;
        }

        static final class NonosPair {
            @Option(names = "--user1", required = true, paramLabel = "FILE", description = "NONOS image linked for the user1 slot.")
            Path user1;

            @Option(names = "--user2", required = true, paramLabel = "FILE", description = "NONOS image linked for the user2 slot.")
            Path user2;
        }

        @Override
        public Integer call() {
            java.util.List<Artifact> artifacts = new ArrayList<>();
            if (images.firmware != null) {
                artifacts.add(new Artifact("firmware", images.firmware));
            } else {
                artifacts.add(new Artifact("user1", images.pair.user1));
                artifacts.add(new Artifact("user2", images.pair.user2));
            }
            // Fail fast: nothing leaves this machine unless every file is a valid image.
            for (Artifact artifact : artifacts) {
                artifact.validate();
            }
            MultipartBody body = new MultipartBody().field("version", version);
            if (notes != null) {
                body.field("notes", notes);
            }
            if (downgrade) {
                body.field("downgrade", "true");
            }
            if (hold) {
                body.field("hold", "true");
            }
            for (Artifact artifact : artifacts) {
                try {
                    body.file(artifact.role(), artifact.file());
                } catch (IOException e) {
                    throw new CommandFailure("cannot read " + artifact.file() + ": " + e.getMessage(), e);
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ApiClient.Reply reply;
            try (ApiClient api = remote.client();
                 UploadProgress progress = UploadProgress.on(err, "Uploading " + product + " " + version, body.contentLength())) {
                reply = api.upload("/api/v1/products/" + ApiClient.segment(product) + "/releases", body, progress);
                progress.finish();
            } catch (CommandFailure e) {
                // The server names its API field; on the command line the switch is --downgrade.
                throw e.getMessage().contains("(downgrade=true)") ? e.reworded(e.getMessage().replace("(downgrade=true)", "(--downgrade)")) : e;
            }
            if (remote.json) {
                out.println(reply.body());
                out.flush();
                return 0;
            }
            summary(reply.json(), out);
            return 0;
        }
    }

    /** One file of a release and the multipart field it goes in. */
    record Artifact(String role, Path file) {
        void validate() {
            try {
                InspectCommand.parse(file);
            } catch (InvalidImageException e) {
                throw new CommandFailure(file + " (--" + role + ") is not a valid image: " + e.getMessage() + "; nothing was uploaded");
            } catch (CommandFailure e) {
                throw new CommandFailure(file + " (--" + role + "): " + e.getMessage() + "; nothing was uploaded");
            }
        }
    }

    /** "Released relay 1.0.0" and a ROLE/SIZE/SHA256/MD5 table. */
    static void summary(JsonNode release, PrintWriter out) {
        java.util.List<String> flags = new ArrayList<>();
        if (release.path("downgrade").asBoolean(false)) {
            flags.add("downgrade allowed");
        }
        if (release.path("held").asBoolean(false)) {
            flags.add("held: devices get it only through a rollout");
        }
        out.println("Released " + Table.text(release.path("product")) + " " + Table.text(release.path("version"))
                + (flags.isEmpty() ? "" : " (" + String.join("; ", flags) + ")"));
        if (!Table.text(release.path("notes")).equals("-")) {
            out.println("Notes: " + release.path("notes").asText());
        }
        Table table = Table.of("ROLE", "SIZE", "SHA256", "MD5");
        for (JsonNode a : release.path("artifacts")) {
            table.row(Table.text(a.path("role")), Table.text(a.path("size")), Table.text(a.path("sha256")), Table.text(a.path("md5")));
        }
        table.print(out);
    }

    /** "baseline" (what devices get when no pin or rollout applies), "held" (only through a rollout), else "-". */
    static String state(JsonNode release) {
        return release.path("baseline").asBoolean(false) ? "baseline" : release.path("held").asBoolean(false) ? "held" : "-";
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List a product's releases, newest first, with their state and how many devices run each.",
                    "STATE baseline: what devices get when no pin or rollout applies; held: only through a rollout."})
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Option(names = "--limit", paramLabel = "N", description = "Stop after N releases (default: all of them, page after page).")
        long limit;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                String path = "/api/v1/products/" + ApiClient.segment(product) + "/releases";
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    Pages.printJson(api, path, limit, out);
                    return 0;
                }
                JsonNode releases = Pages.all(api, path, limit);
                if (releases.isEmpty()) {
                    out.println("No releases of " + product + " yet. Upload one with: updraft release upload "
                            + product + " VERSION --firmware FILE");
                    out.flush();
                    return 0;
                }
                Table table = Table.of("VERSION", "CREATED", "STATE", "DEVICES", "DOWNGRADE", "ARTIFACTS", "NOTES");
                for (JsonNode r : releases) {
                    java.util.List<String> files = new ArrayList<>();
                    for (JsonNode a : r.path("artifacts")) {
                        files.add(Table.text(a.path("role")) + " " + Table.text(a.path("size")) + " B");
                    }
                    table.row(Table.text(r.path("version")), Table.time(r.path("createdAt")), state(r), Table.text(r.path("devices")),
                            r.path("downgrade").asBoolean(false) ? "yes" : "no",
                            files.isEmpty() ? "-" : String.join(", ", files), Table.brief(r.path("notes"), 50));
                }
                table.print(out);
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show one release: its state, signer, security counter, notes and image files.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1", paramLabel = "VERSION", description = "Release version, e.g. 1.2.0.")
        String version;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.get("/api/v1/products/" + ApiClient.segment(product) + "/releases/"
                        + ApiClient.segment(version));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode r = reply.json();
                out.println("Release " + Table.text(r.path("product")) + " " + Table.text(r.path("version")));
                Table.details()
                        .row("created", Table.time(r.path("createdAt")))
                        .row("downgrade", r.path("downgrade").asBoolean(false) ? "allowed" : "no")
                        .row("state", state(r).equals("baseline") ? "baseline: devices get it when no pin or rollout applies"
                                : state(r).equals("held") ? "held: devices get it only through a rollout" : "-")
                        .row("devices", Table.text(r.path("devices")) + " running it")
                        .row("security counter", Table.text(r.path("securityCounter")))
                        .row("signer", Table.text(r.path("signer")))
                        .row("notes", Table.brief(r.path("notes"), 100))
                        .print(out);
                Table table = Table.of("ROLE", "SIZE", "FORMAT", "SHA256", "MD5", "DAMAGED");
                for (JsonNode a : r.path("artifacts")) {
                    table.row(Table.text(a.path("role")), Table.text(a.path("size")), Table.text(a.path("format")),
                            Table.text(a.path("sha256")), Table.text(a.path("md5")), Table.text(a.path("damaged")));
                }
                out.println();
                table.print(out);
            }
            return 0;
        }
    }

    @Command(name = "unhold", mixinStandardHelpOptions = true,
            description = {"Let a held release reach devices without a rollout.",
                    "It becomes the baseline when it is the newest release no rollout holds. Refused while a rollout of it is",
                    "under way, or when one stopped it."})
    static final class Unhold implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1", paramLabel = "VERSION", description = "Release version.")
        String version;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.post(path(product, version) + "/unhold", ApiClient.object());
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                } else {
                    JsonNode r = reply.json();
                    out.println("Release " + product + " " + version + " is held no longer"
                            + (r.path("baseline").asBoolean(false) ? ": it is the baseline, offered to every device that runs an older version."
                            : "; it is not the baseline (a newer release is)."));
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "archive", mixinStandardHelpOptions = true,
            description = {"Archive a release: no longer listed, offered, pinnable or the baseline.",
                    "Its version is never uploaded again; its history stays. Refused while devices run it, devices are pinned",
                    "to it or a draft, running or paused rollout uses it: the refusal names each (docs/lifecycle.md)."})
    static final class Archive implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1", paramLabel = "VERSION", description = "Release version.")
        String version;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.post(path(product, version) + "/archive", ApiClient.object());
                PrintWriter out = spec.commandLine().getOut();
                out.println(remote.json ? reply.body() : "Archived release " + product + " " + version + ".");
                out.flush();
            }
            return 0;
        }
    }

    private static String path(String product, String version) {
        return "/api/v1/products/" + ApiClient.segment(product) + "/releases/" + ApiClient.segment(version);
    }
}
