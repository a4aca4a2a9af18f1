package org.updraft.device.fleet;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/** The live view of a run: one line per wave, redrawn in place. Only for a terminal. */
public interface Progress {

    void show(RolloutStatus status, Duration fleetTime);

    /** The run is over: leave the last picture on screen. */
    default void done() {
    }

    Progress NONE = (status, fleetTime) -> { };

    /** Redraws on {@code out} with ANSI cursor movement; use it only when {@code out} is a terminal. */
    static Progress live(PrintStream out) {
        return new Live(out);
    }

    /** A line per wave: label, bar of confirmed, counts. */
    static String line(RolloutStatus.WaveProgress w, boolean current) {
        int width = 20;
        int filled = w.members() == 0 ? width : (int) Math.round(width * (double) w.confirmed() / w.members());
        int bad = w.members() == 0 ? 0 : (int) Math.round(width * (double) (w.failed() + w.rolledBack()) / w.members());
        filled = Math.min(filled, width);
        bad = Math.min(bad, width - filled);
        String bar = "#".repeat(filled) + "x".repeat(bad) + ".".repeat(width - filled - bad);
        return String.format(Locale.ROOT, "%s %-8s [%s] %5d/%-5d confirmed  %4d offered  %4d downloading  %4d failed  %4d rolled back",
                current ? ">" : " ", w.label(), bar, w.confirmed(), w.members(), w.reached(), w.downloading(), w.failed(), w.rolledBack());
    }

    static String header(RolloutStatus status, Duration fleetTime) {
        return String.format(Locale.ROOT, "rollout %d %s%s   fleet time %s", status.id(), status.state(),
                status.reason() == null ? "" : " (" + status.reason() + ")", FleetReport.duration(fleetTime.toMillis() / 1000.0));
    }

    final class Live implements Progress {
        private final PrintStream out;
        private int drawn;

        Live(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void show(RolloutStatus status, Duration fleetTime) {
            StringBuilder sb = new StringBuilder();
            if (drawn > 0) {
                sb.append("\033[").append(drawn).append('F'); // back to the first line drawn
            }
            sb.append("\033[2K").append(header(status, fleetTime)).append('\n');
            for (int i = 0; i < status.progress().size(); i++) {
                sb.append("\033[2K").append(line(status.progress().get(i), i == status.currentWave())).append('\n');
            }
            drawn = status.progress().size() + 1;
            out.print(sb);
            out.flush();
        }

        @Override
        public void done() {
            out.flush();
        }
    }
}
