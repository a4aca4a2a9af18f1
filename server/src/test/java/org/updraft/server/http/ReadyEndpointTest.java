package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.updraft.server.ServerConfig;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;

/**
 * {@code /ready} for a load balancer (docs/production.md, "Health and readiness"): 200 only
 * between a complete start and the beginning of a stop; {@code /health} stays the liveness
 * answer. Neither ever shows the database URL, its user or its password.
 */
class ReadyEndpointTest {

    static final String PASSWORD = "s3cret-pw-4711";

    /** PostgreSQL with a password in its URL (trust authentication ignores it): what must never leak. */
    static TestServer withPasswordInUrl() {
        return new TestServer(TestDatabase.POSTGRES, c -> new ServerConfig(c.host(), c.port(), c.dataDir(),
                c.jdbcUrl() + "&password=" + PASSWORD, c.mqttUrl(), c.webhookUrl(), c.rolloutTick(), c.clock(), c.limits(),
                c.tls(), c.adminToken(), c.deviceUrl(), c.trustedProxies(), c.drainTimeout(), c.instance()));
    }

    @Test
    void aStartedServerIsReadyAndAliveAndSaysNothingOfItsDatabase() {
        try (TestServer server = withPasswordInUrl()) {
            HttpResponse<String> ready = server.sendAs(null, "GET", "/ready", null);
            HttpResponse<String> health = server.sendAs(null, "GET", "/health", null);

            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("{\"status\":\"READY\"}");
            assertThat(ready.headers().firstValue("Cache-Control")).contains("no-store");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
            for (HttpResponse<String> r : java.util.List.of(ready, health)) {
                String all = r.body() + r.headers().map();
                assertThat(all).doesNotContain(PASSWORD).doesNotContain("postgres").doesNotContain("jdbc")
                        .doesNotContain("5432").doesNotContain(server.dataDir().toString());
            }
        }
    }

    @Test
    void aStoppingServerIsNoLongerReadyButStillAlive() {
        try (TestServer server = new TestServer()) {
            server.server().api().readiness().draining();

            HttpResponse<String> ready = server.sendAs(null, "GET", "/ready", null);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("{\"status\":\"DRAINING\"}");
            assertThat(server.sendAs(null, "GET", "/health", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void readinessOnlyMovesForward() {
        Readiness r = new Readiness();
        assertThat(r.phase()).isEqualTo(Readiness.Phase.STARTING);
        r.ready();
        assertThat(r.phase()).isEqualTo(Readiness.Phase.READY);
        r.draining();
        r.ready();
        assertThat(r.phase()).isEqualTo(Readiness.Phase.DRAINING);
    }

    @Test
    void aServerWhoseDatabaseIsGoneIsNotReady() {
        try (TestServer server = withPasswordInUrl()) {
            server.server().database().close();

            HttpResponse<String> ready = server.sendAs(null, "GET", "/ready", null);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("{\"status\":\"DATABASE_DOWN\"}");
            assertThat(ready.body() + ready.headers().map()).doesNotContain(PASSWORD);
        }
    }
}
