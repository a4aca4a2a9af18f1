package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft gc [--dry-run]}: garbage collection of artifact bytes no live release names (admin token; docs/lifecycle.md). */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Remove the stored bytes of images that only archived releases or products name.",
                "The bytes leave the database and the server's artifact cache; the artifact's record stays, so a",
                "device still running such a release is recognised. Images an upload used within the last hour wait",
                "for a later run. Needs an admin token."})
final class GcCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Option(names = "--dry-run", description = "Only list what would be removed.")
    boolean dryRun;

    @Override
    public Integer call() {
        try (ApiClient api = remote.client()) {
            ApiClient.Reply reply = api.post("/api/v1/artifacts/gc", ApiClient.object().put("dryRun", dryRun));
            PrintWriter out = spec.commandLine().getOut();
            if (remote.json) {
                out.println(reply.body());
                out.flush();
                return 0;
            }
            JsonNode r = reply.json();
            JsonNode collected = r.path("collected");
            for (JsonNode b : collected) {
                out.println((dryRun ? "would remove " : "removed ") + b.path("sha256").asText() + " (" + b.path("size").asLong() + " bytes)");
            }
            out.println((dryRun ? "Would remove " : "Removed ") + collected.size() + (collected.size() == 1 ? " artifact" : " artifacts")
                    + ", " + r.path("bytes").asLong() + " bytes.");
            int waiting = r.path("waiting").size();
            if (waiting > 0) {
                out.println(waiting + (waiting == 1 ? " unreferenced artifact was" : " unreferenced artifacts were")
                        + " used by an upload within the last " + r.path("graceSeconds").asLong() / 60 + " minutes and kept for a later run.");
            }
            out.flush();
        }
        return 0;
    }
}
