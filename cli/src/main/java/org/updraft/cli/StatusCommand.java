package org.updraft.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code updraft status [--wait 2m]}: is the server up ({@code GET /health}, which needs no token)?
 * With {@code --wait}, asks again every 250 ms until it answers or the time is up: a script that
 * starts {@code updraft server &} waits for it with this before its first command.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Say whether the server answers and is healthy; with --wait, wait for it (after starting it in the background).")
final class StatusCommand implements Callable<Integer> {

    private static final Duration RETRY = Duration.ofMillis(250);

    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Wait up to this long for the server to answer healthy, e.g. 2m (default: ask once).")
    Duration wait;

    @Override
    public Integer call() throws InterruptedException {
        long deadline = System.nanoTime() + (wait == null ? 0 : wait.toNanos());
        try (ApiClient api = new ApiClient(remote.server, null)) {
            while (true) {
                try {
                    ApiClient.Reply reply = api.get("/health");
                    PrintWriter out = spec.commandLine().getOut();
                    out.println(remote.json ? reply.body() : "Updraft at " + remote.server + " is up.");
                    out.flush();
                    return 0;
                } catch (CommandFailure e) {
                    if (System.nanoTime() + RETRY.toNanos() > deadline) {
                        throw wait == null ? e : new CommandFailure(e.getMessage() + " (waited " + RolloutCommand.human(wait) + ")", e);
                    }
                    Thread.sleep(RETRY.toMillis());
                }
            }
        }
    }
}
