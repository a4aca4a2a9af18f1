package org.updraft.device.fleet;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A device listening on {@code updraft/<product>/<mac>/update} (MQTT 3.1.1, as PubSubClient on an
 * ESP8266 speaks it): a message means "an update is available for you", and the device pulls at
 * once instead of at its next poll. The pull itself is the ordinary check-in — the message only
 * says when, the server still decides what.
 */
final class UpdateSubscription implements AutoCloseable {
    private final Mqtt3AsyncClient client;

    private UpdateSubscription(Mqtt3AsyncClient client) {
        this.client = client;
    }

    /** Connects and subscribes; returns once the broker acknowledged the subscription. */
    static UpdateSubscription subscribe(String brokerUrl, String product, String mac, Runnable onUpdate) {
        URI uri = URI.create(brokerUrl);
        if (uri.getHost() == null || !("tcp".equals(uri.getScheme()) || "mqtt".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("MQTT broker URL must look like tcp://127.0.0.1:1883, was " + brokerUrl);
        }
        Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3()
                .identifier("updraft-dev-" + mac.replace(":", "") + "-" + UUID.randomUUID().toString().substring(0, 6))
                .serverHost(uri.getHost()).serverPort(uri.getPort() < 0 ? 1883 : uri.getPort())
                .buildAsync();
        try {
            client.connectWith().cleanSession(true).keepAlive(60).send().get(10, TimeUnit.SECONDS);
            client.subscribeWith().topicFilter(topic(product, mac)).qos(MqttQos.AT_LEAST_ONCE)
                    .callback(publish -> onUpdate.run()).send().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            client.disconnect();
            throw new IllegalStateException("device " + mac + " cannot subscribe at " + brokerUrl + ": " + e.getMessage(), e);
        }
        return new UpdateSubscription(client);
    }

    static String topic(String product, String mac) {
        return "updraft/" + product + "/" + mac + "/update";
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the broker may be gone already
        }
    }
}
