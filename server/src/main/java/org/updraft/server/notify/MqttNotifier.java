package org.updraft.server.notify;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.http.Json;
import org.updraft.server.rollout.Notifier;

/**
 * Publishes offers and rollout events to an MQTT broker (MQTT 3.1.1 — all ESP8266 PubSubClient
 * speaks): {@code updraft/<product>/<mac>/update} with version, url, sha256 and size, QoS 1, so a
 * device subscribed to its topic pulls at once instead of at its next poll; and
 * {@code updraft/<product>/rollouts/<id>} with {@code {"event": ..., ...}}. Reconnects by itself;
 * a message published while the broker is away is lost (the device still polls).
 */
public final class MqttNotifier implements Notifier {

    private static final Logger LOG = LoggerFactory.getLogger(MqttNotifier.class);

    private final Mqtt3AsyncClient client;
    private final String base;

    private MqttNotifier(Mqtt3AsyncClient client, String base) {
        this.client = client;
        this.base = base;
    }

    /**
     * Connects to {@code tcp://host:port} (or {@code mqtt://}) in the background: a broker that is
     * down does not stop the server from starting (devices still poll); the client keeps
     * reconnecting and queues what is published meanwhile. A malformed URL fails at once.
     */
    public static MqttNotifier connect(String url, String publicBaseUrl) {
        URI uri = URI.create(url);
        if (uri.getHost() == null || !(uri.getScheme().equals("tcp") || uri.getScheme().equals("mqtt"))) {
            throw new IllegalArgumentException("MQTT broker URL must look like tcp://127.0.0.1:1883, was " + url);
        }
        Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3()
                .identifier("updraft-" + UUID.randomUUID().toString().substring(0, 8))
                .serverHost(uri.getHost()).serverPort(uri.getPort() < 0 ? 1883 : uri.getPort())
                .automaticReconnectWithDefaultConfig()
                .buildAsync();
        client.connectWith().cleanSession(true).keepAlive(30).send().whenComplete((ack, err) -> {
            if (err != null) {
                LOG.warn("cannot connect to MQTT broker {} yet ({}); retrying in the background", url, err.toString());
            } else {
                LOG.info("publishing update notifications to {}", url);
            }
        });
        return new MqttNotifier(client, publicBaseUrl);
    }

    @Override
    public void updateAvailable(String product, String mac, Map<String, Object> offer) {
        Map<String, Object> body = new LinkedHashMap<>(offer);
        Object url = body.get("url");
        if (url instanceof String s && s.startsWith("/") && base != null) {
            body.put("url", base + s);
        }
        publish("updraft/" + product + "/" + mac + "/update", body);
    }

    @Override
    public void rolloutEvent(String product, long rolloutId, String event, Map<String, Object> detail) {
        publish("updraft/" + product + "/rollouts/" + rolloutId, Notifier.eventBody(product, rolloutId, event, detail));
    }

    private void publish(String topic, Map<String, Object> body) {
        client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(Json.write(body)).send()
                .whenComplete((ack, err) -> {
                    if (err != null) {
                        LOG.warn("MQTT publish to {} failed: {}", topic, err.toString());
                    }
                });
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("MQTT disconnect: {}", e.toString());
        }
    }
}
