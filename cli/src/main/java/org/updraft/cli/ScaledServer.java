package org.updraft.cli;

import ch.qos.logback.classic.Level;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.LoggerFactory;
import org.updraft.device.fleet.FleetClock;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.server.auth.ApiTokens;

/**
 * An in-process Updraft server on fleet time: the simulator's {@link FleetClock} drives its
 * backoff, soak and health window, and its rollout rules are re-checked every 50 ms of real time.
 */
public final class ScaledServer {
    /** How often the rollout engine re-checks time-based rules (real time). */
    static final Duration TICK = Duration.ofMillis(50);

    private ScaledServer() {
    }

    /** This process's admin token for its in-process servers: random, never stored in clear, gone when the process ends. */
    private static final String TOKEN = ApiTokens.newSecret();

    /** The admin bearer token every server started here accepts (seeded on start). */
    public static String token() {
        return TOKEN;
    }

    public static UpdraftServer start(String host, int port, Path dataDir, FleetClock clock, String mqttUrl) {
        return UpdraftServer.start(new ServerConfig(host, port, dataDir, null).withClock(clock).withRolloutTick(TICK).withAdminToken(TOKEN)
                .withNotifications(mqttUrl, null));
    }

    /**
     * Thousands of emulated check-ins would log a line each: keep the server's per-request INFO
     * lines out of the way (its warnings still show). Jetty logs every deliberate NONOS close
     * ({@code Exchange.abort}: "nothing to do" for the SDK) as a WARN with a stack trace; a NONOS
     * fleet polls that answer all the time, so Jetty is held to errors here.
     */
    public static void quiet() {
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.getLogger("org.updraft").setLevel(Level.WARN);
            ctx.getLogger("org.eclipse.jetty").setLevel(Level.ERROR);
        }
    }
}
