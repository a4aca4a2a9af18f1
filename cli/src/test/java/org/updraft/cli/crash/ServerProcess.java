package org.updraft.cli.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real server as a separate OS process: the JVM running this code, with its class path, started
 * on {@code org.updraft.cli.Updraft server} — what {@code bin/updraft server} runs — on loopback, a
 * free port, a data directory and optionally a database URL. {@link #kill()} is SIGKILL
 * ({@link Process#destroyForcibly()} on Linux): no shutdown hook, no flush, no close.
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("^Updraft listening on (http://\\S+) ");
    private static final Pattern BOOTSTRAP = Pattern.compile("^Bootstrap admin token \\(shown once\\): (\\S+)");
    /**
     * bin/updraft's server options (the heap and collector a deployed server runs with), plus C1
     * only: dozens of starts on 2 busy cores, and durability does not depend on the compiler.
     */
    private static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx128m", "-XX:TieredStopAtLevel=1");

    private final Process process;
    private final URI uri;
    private final String bootstrapToken;

    private ServerProcess(Process process, URI uri, String bootstrapToken) {
        this.process = process;
        this.uri = uri;
        this.bootstrapToken = bootstrapToken;
    }

    /**
     * Starts the server and waits (at most {@code timeoutSeconds}) until it says where it listens and,
     * when the database holds no token yet, the bootstrap admin token it prints then.
     */
    static ServerProcess start(Path dataDir, String jdbcUrl, Path log, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.updraft.cli.Updraft");
        cmd.addAll(List.of("server", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir.toString()));
        if (jdbcUrl != null) {
            cmd.addAll(List.of("--db", jdbcUrl));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        CompletableFuture<String[]> ready = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> readStdout(p, log, ready));
        try {
            String[] found = ready.get(timeoutSeconds, TimeUnit.SECONDS);
            return new ServerProcess(p, URI.create(found[0]), found[1]);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException("the server did not start within " + timeoutSeconds + " s (" + e.getMessage() + "); its log: "
                    + log + "\n" + tail(log), e);
        }
    }

    /** Copies stdout to the log; completes {@code ready} with {url, bootstrap token or null} once the listening line is there. */
    private static void readStdout(Process p, Path log, CompletableFuture<String[]> ready) {
        String url = null;
        String token = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                Files.writeString(log, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                Matcher b = BOOTSTRAP.matcher(line);
                if (b.find()) {
                    token = b.group(1);
                }
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    url = m.group(1);
                    // ServerCommand prints the bootstrap token (only when the database holds no token)
                    // right after this line, in the same flush; give it a moment, then go on without one.
                    String u = url;
                    CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> ready.complete(new String[] {u, null}));
                }
                if (token != null) {
                    ready.complete(new String[] {url, token});
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IOException("the server's output ended (exit " + exitOf(p) + ")"));
    }

    private static String exitOf(Process p) {
        try {
            return p.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(p.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    URI uri() {
        return uri;
    }

    /** The bootstrap admin token, printed when the database held no token at the start; else null. */
    String bootstrapToken() {
        return bootstrapToken;
    }

    long pid() {
        return process.pid();
    }

    /** SIGTERM ({@link Process#destroy()} on Linux): the JVM's shutdown hooks run, the server stops gracefully. */
    void terminate() {
        process.destroy();
    }

    /** The exit code once the process has ended within {@code seconds}; IllegalStateException if it has not. */
    int exitCode(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("server process " + process.pid() + " still alive after " + seconds + " s");
        }
        return process.exitValue();
    }

    /** SIGKILL, and waits until the process is gone (its port and files released). */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("server process " + process.pid() + " still alive 30 s after SIGKILL");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
