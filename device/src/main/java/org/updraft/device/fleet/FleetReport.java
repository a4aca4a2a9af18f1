package org.updraft.device.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a fleet run did, per wave (from the server's progress, with attempts counted on the link, or
 * by the devices when the run has no link)
 * and for the whole fleet (from the emulated chips themselves).
 *
 * @param fleetSeconds fleet time from the rollout's start until the run settled or stopped
 * @param settled      false when the run hit its limit first
 */
public record FleetReport(String product, String profile, int devices, String release, long rolloutId, String state, String reason,
                          boolean settled, double fleetSeconds, double realSeconds, double speed, List<WaveRow> waves,
                          Devices fleet, Network network) {

    /**
     * @param offered           members that were offered the release at least once
     * @param meanAttempts      download attempts per offered device
     * @param maxAttempts       most attempts of one device; null when the wave's members could not be told apart
     * @param secondsToComplete fleet time from the wave's start until it reached its success threshold; null if it did not
     */
    public record WaveRow(String wave, int members, int offered, int confirmed, int failed, int rolledBack, double meanAttempts,
                          Integer maxAttempts, Double secondsToComplete) {
    }

    /**
     * What the chips run at the end: {@code onNew}/{@code onOld} boot one of the run's images byte
     * for byte; {@code bricked} boot nothing usable; {@code invalid} boot something else;
     * {@code viaSteppingStone} booted the product's stepping stone on the way (a mixed run).
     */
    public record Devices(int onNew, int onOld, int bricked, int invalid, int serverConfirmed, int rollbacksReported,
                         int crashes, double meanAttempts, int maxAttempts, int offlineSpells, int mqttWakeups, int viaSteppingStone) {
    }

    /**
     * Image transfers as the link saw them. A run without link faults has no link: then
     * {@code transfers} are the downloads the devices began writing and {@code bytes} the images
     * they received whole.
     */
    public record Network(long transfers, long drops, long stalls, long bytes) {
    }

    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "fleet: %d × %s, product %s, release %s, rollout %d %s%s%n", devices, profile, product,
                release, rolloutId, state, reason == null ? "" : " (" + reason + ")"));
        sb.append(String.format(Locale.ROOT, "fleet time %s in %.1f s real (speed %.0f×)%s%n%n", duration(fleetSeconds), realSeconds,
                speed, settled ? "" : " — stopped at the limit before the fleet settled"));
        String fmt = "%-8s %8s %8s %10s %7s %12s %14s %5s  %s%n";
        sb.append(String.format(Locale.ROOT, fmt, "wave", "members", "offered", "confirmed", "failed", "rolled back", "attempts mean",
                "max", "time to complete"));
        for (WaveRow w : waves) {
            sb.append(String.format(Locale.ROOT, fmt, w.wave(), w.members(), w.offered(), w.confirmed(), w.failed(), w.rolledBack(),
                    String.format(Locale.ROOT, "%.2f", w.meanAttempts()), w.maxAttempts() == null ? "-" : w.maxAttempts().toString(),
                    w.secondsToComplete() == null ? "-" : duration(w.secondsToComplete())));
        }
        int members = waves.stream().mapToInt(WaveRow::members).sum();
        sb.append(String.format(Locale.ROOT, fmt, "total", members, waves.stream().mapToInt(WaveRow::offered).sum(),
                waves.stream().mapToInt(WaveRow::confirmed).sum(), waves.stream().mapToInt(WaveRow::failed).sum(),
                waves.stream().mapToInt(WaveRow::rolledBack).sum(), String.format(Locale.ROOT, "%.2f", fleet.meanAttempts()),
                Integer.toString(fleet.maxAttempts()), settled ? duration(fleetSeconds) : "-"));
        sb.append(String.format(Locale.ROOT, "%ndevices: %d on the new release, %d on the old one, %d bricked, %d on an unknown image; "
                        + "%d confirmed by the server%n", fleet.onNew(), fleet.onOld(), fleet.bricked(), fleet.invalid(),
                fleet.serverConfirmed()));
        sb.append(String.format(Locale.ROOT, "         %d trial boots reverted and reported, %d crashes on boot, %d offline spells, "
                + "%d MQTT wake-ups%n", fleet.rollbacksReported(), fleet.crashes(), fleet.offlineSpells(), fleet.mqttWakeups()));
        if (fleet.viaSteppingStone() > 0) {
            sb.append(String.format(Locale.ROOT, "         %d went through the stepping stone (too little free space for the release)%n",
                    fleet.viaSteppingStone()));
        }
        sb.append(String.format(Locale.ROOT, "network: %d image transfers, %d dropped mid-transfer, %d stalled, %.1f MB delivered%n",
                network.transfers(), network.drops(), network.stalls(), network.bytes() / 1e6));
        return sb.toString();
    }

    public String json() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeJson(Path file) throws IOException {
        Files.writeString(file, json());
    }

    /** "1h 02m 03s", "4m 10s", "12.5s". */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh %02dm %02ds", s / 3600, s % 3600 / 60, s % 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%.1fs", seconds);
    }
}
