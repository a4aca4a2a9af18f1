package org.updraft.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows how much of an upload has been sent: a live progress bar when stderr is a terminal, otherwise
 * (pipes, CI logs, tests) a single plain line at the end so logs are not filled with carriage returns.
 */
sealed interface UploadProgress extends LongConsumer, AutoCloseable {

    /** The upload completed; show the final state. */
    void finish();

    @Override
    void close();

    /** The right kind for this process: a bar on System.err if it is a terminal, else a line on {@code err}. */
    static UploadProgress on(PrintWriter err, String task, long total) {
        return stderrIsTerminal() ? new Bar(System.err, task, total) : new Line(err, total);
    }

    /** True when file descriptor 2 is a terminal (Linux: /proc/self/fd/2 points at a tty). */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        Path fd2 = Path.of("/proc/self/fd/2");
        if (Files.exists(fd2, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return System.console() != null;
    }

    /** me.tongfei progress bar in KiB, redrawn every 100 ms. */
    final class Bar implements UploadProgress {
        private final ProgressBar bar;

        Bar(PrintStream stream, String task, long total) {
            this.bar = ProgressBar.builder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .setUnit(" KiB", 1024)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(100)
                    .showSpeed()
                    .setConsumer(new ConsoleProgressBarConsumer(stream))
                    .build();
        }

        @Override
        public void accept(long sent) {
            bar.stepTo(sent);
        }

        @Override
        public void finish() {
            bar.stepTo(bar.getMax());
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** One line after the upload: "Uploaded 1,048,832 bytes." */
    final class Line implements UploadProgress {
        private final PrintWriter err;
        private final long total;

        Line(PrintWriter err, long total) {
            this.err = err;
            this.total = total;
        }

        @Override
        public void accept(long sent) {
            // nothing until the end
        }

        @Override
        public void finish() {
            err.printf("Uploaded %,d bytes.%n", total);
            err.flush();
        }

        @Override
        public void close() {
        }
    }
}
