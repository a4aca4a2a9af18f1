package org.updraft.server.notify;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.http.Json;
import org.updraft.server.rollout.Notifier;

/**
 * POSTs rollout events as JSON ({@code {"event", "rollout", "product", ...}}) to a URL, for chat
 * or incident tooling. Fire and forget with a 5 s timeout; failures are logged. Offers to single
 * devices are not sent here (that is MQTT's job).
 */
public final class WebhookNotifier implements Notifier {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);

    private final URI url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public WebhookNotifier(String url) {
        URI u = URI.create(url);
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
            throw new IllegalArgumentException("webhook URL must be http(s)://host/path, was " + url);
        }
        this.url = u;
    }

    @Override
    public void updateAvailable(String product, String mac, Map<String, Object> offer) {
    }

    @Override
    public void rolloutEvent(String product, long rolloutId, String event, Map<String, Object> detail) {
        Map<String, Object> body = Notifier.eventBody(product, rolloutId, event, detail);
        HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body))).build();
        http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, err) -> {
            if (err != null) {
                LOG.warn("webhook {} for rollout {} {} failed: {}", url, rolloutId, event, err.toString());
            } else if (r.statusCode() >= 300) {
                LOG.warn("webhook {} for rollout {} {} answered {}", url, rolloutId, event, r.statusCode());
            }
        });
    }
}
