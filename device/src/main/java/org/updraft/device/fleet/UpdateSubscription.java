package org.updraft.device.fleet;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A device listening on {@code updraft/<product>/<mac>/update} (MQTT 3.1.1, as PubSubClient on an
 * ESP8266 speaks it): a message means "an update is available for you", and the device pulls at
 * once instead of at its next poll. The pull itself is the ordinary check-in — the message only
 * says when, the server still decides what.
 *
 * <p>{@link #fleet} stands in for many such devices with one broker connection: it subscribes to
 * {@code updraft/<product>/+/update} and hands each message to the device its topic names. The
 * server publishes exactly what it publishes for subscribed devices (one message per device of a
 * wave); what the stand-in leaves out is the broker's side of 10,000 connections. It subscribes
 * with QoS 0 — as PubSubClient, the usual ESP8266 MQTT client, subscribes by default — because a
 * broker bounds the QoS 1 messages it queues per client (Mosquitto's {@code max_queued_messages},
 * 1,000 by default): one client standing in for a wave of 5,000 devices lost more than half of
 * their messages at QoS 1, which 5,000 clients with one message each never would.
 */
final class UpdateSubscription implements AutoCloseable {
    private final Mqtt3AsyncClient client;

    private UpdateSubscription(Mqtt3AsyncClient client) {
        this.client = client;
    }

    /** Connects and subscribes; returns once the broker acknowledged the subscription. */
    static UpdateSubscription subscribe(String brokerUrl, String product, String mac, Runnable onUpdate) {
        return connect(brokerUrl, "updraft-dev-" + mac.replace(":", ""), topic(product, mac), MqttQos.AT_LEAST_ONCE,
                "device " + mac, topic -> onUpdate.run());
    }

    /**
     * One connection for the devices in {@code byMac} (their MACs as the server writes them in
     * topics): each {@code updraft/<product>/<mac>/update} message runs the listener of that MAC;
     * messages for other MACs are ignored. Returns once the broker acknowledged the subscription.
     */
    static UpdateSubscription fleet(String brokerUrl, String product, Map<String, Runnable> byMac) {
        Map<String, Runnable> listeners = Map.copyOf(byMac);
        return connect(brokerUrl, "updraft-fleet", topic(product, "+"), MqttQos.AT_MOST_ONCE, byMac.size() + " devices", topic -> {
            Runnable onUpdate = listeners.get(macOf(topic));
            if (onUpdate != null) {
                onUpdate.run();
            }
        });
    }

    private interface Listener {
        void message(String topic);
    }

    private static UpdateSubscription connect(String brokerUrl, String clientPrefix, String filter, MqttQos qos, String who,
                                              Listener listener) {
        URI uri = URI.create(brokerUrl);
        if (uri.getHost() == null || !("tcp".equals(uri.getScheme()) || "mqtt".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("MQTT broker URL must look like tcp://127.0.0.1:1883, was " + brokerUrl);
        }
        Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3()
                .identifier(clientPrefix + "-" + UUID.randomUUID().toString().substring(0, 6))
                .serverHost(uri.getHost()).serverPort(uri.getPort() < 0 ? 1883 : uri.getPort())
                .buildAsync();
        try {
            client.connectWith().cleanSession(true).keepAlive(60).send().get(10, TimeUnit.SECONDS);
            client.subscribeWith().topicFilter(filter).qos(qos)
                    .callback(publish -> listener.message(publish.getTopic().toString())).send().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            client.disconnect();
            throw new IllegalStateException(who + " cannot subscribe at " + brokerUrl + ": " + e.getMessage(), e);
        }
        return new UpdateSubscription(client);
    }

    static String topic(String product, String mac) {
        return "updraft/" + product + "/" + mac + "/update";
    }

    /** The MAC level of {@code updraft/<product>/<mac>/update}, or null for any other topic. */
    static String macOf(String topic) {
        String[] levels = topic.split("/", -1);
        return levels.length == 4 && levels[0].equals("updraft") && levels[3].equals("update") ? levels[2] : null;
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
