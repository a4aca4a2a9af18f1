package org.updraft.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Rollout events POSTed as JSON to a real HTTP endpoint on loopback. */
class WebhookNotifierTest {

    record Hit(String method, String contentType, String body) {
    }

    @Test
    void postsTheEventAsJson() throws Exception {
        LinkedBlockingQueue<Hit> hits = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            hits.add(new Hit(ex.getRequestMethod(), ex.getRequestHeaders().getFirst("Content-Type"),
                    new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        try {
            WebhookNotifier n = new WebhookNotifier("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
            n.rolloutEvent("relay", 7, "halted", Map.of("reason", "wave 1 (canary): 2 of 4 devices failed"));
            Hit hit = hits.poll(5, TimeUnit.SECONDS);
            assertThat(hit).isEqualTo(new Hit("POST", "application/json",
                    "{\"event\":\"halted\",\"rollout\":7,\"product\":\"relay\",\"reason\":\"wave 1 (canary): 2 of 4 devices failed\"}"));
            n.updateAvailable("relay", "AA:00:00:00:00:01", Map.of("version", "2"));
            assertThat(hits.poll(300, TimeUnit.MILLISECONDS)).as("offers go to MQTT, not the webhook").isNull();
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void aMalformedUrlIsRefused() {
        assertThatThrownBy(() -> new WebhookNotifier("ftp://x/hook")).hasMessage("webhook URL must be http(s)://host/path, was ftp://x/hook");
    }
}
