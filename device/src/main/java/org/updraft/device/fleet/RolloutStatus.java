package org.updraft.device.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /api/v1/rollouts/{id}} as the simulator reads it. */
public record RolloutStatus(long id, String state, String reason, int currentWave, List<String> waves, List<WaveProgress> progress) {

    /** One entry of the rollout's {@code progress}. */
    public record WaveProgress(String label, int members, int pending, int offered, int downloading, int downloaded,
                               int installed, int confirmed, int failed, int rolledBack, double meanAttempts) {
        /** Devices of the wave that have been offered the release (some attempt started or is waiting). */
        public int reached() {
            return members - pending;
        }

        /** Transfers running, images written but not booted, or booted and not yet confirmed. */
        public int inFlight() {
            return downloading + downloaded + installed;
        }

        public int settled() {
            return confirmed + failed + rolledBack;
        }
    }

    static RolloutStatus of(JsonNode n) {
        List<String> waves = new ArrayList<>();
        n.path("waves").forEach(w -> waves.add(w.asText()));
        List<WaveProgress> progress = new ArrayList<>();
        n.path("progress").forEach(p -> progress.add(new WaveProgress(p.path("label").asText(), p.path("members").asInt(),
                p.path("pending").asInt(), p.path("offered").asInt(), p.path("downloading").asInt(), p.path("downloaded").asInt(),
                p.path("installed").asInt(), p.path("confirmed").asInt(), p.path("failed").asInt(), p.path("rolledBack").asInt(),
                p.path("meanAttempts").asDouble())));
        return new RolloutStatus(n.path("id").asLong(), n.path("state").asText(), n.path("reason").isNull() ? null
                : n.path("reason").asText(null), n.path("currentWave").asInt(), List.copyOf(waves), List.copyOf(progress));
    }

    public boolean finished() {
        return state.equals("completed") || state.equals("halted") || state.equals("aborted");
    }

    public int total(java.util.function.ToIntFunction<WaveProgress> f) {
        return progress.stream().mapToInt(f).sum();
    }
}
