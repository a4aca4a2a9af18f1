package org.updraft.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;
import org.updraft.server.http.Json;

/** Against the machine's real Mosquitto (127.0.0.1:1883; bin/test starts it). */
class MqttNotifierTest {

    static final String BROKER = "tcp://127.0.0.1:1883";

    record Message(String topic, JsonNode body) {
    }

    @Test
    void startingARolloutTellsEachMemberOfTheFirstWaveAndPublishesTheEvent() throws Exception {
        String product = "mqtt-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] v2 = ImageBuilder.arduino().version("2.0.0").payload(81, 6_000).build();
        LinkedBlockingQueue<Message> received = new LinkedBlockingQueue<>();
        Mqtt3AsyncClient sub = MqttClient.builder().useMqttVersion3().identifier("test-" + product)
                .serverHost("127.0.0.1").serverPort(1883).buildAsync();
        sub.connect().get(10, TimeUnit.SECONDS);
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED, c -> c.withNotifications(BROKER, null)
                .withRolloutTick(Duration.ofMillis(50)))) {
            sub.subscribeWith().topicFilter("updraft/" + product + "/#").qos(MqttQos.AT_LEAST_ONCE)
                    .callback(p -> received.add(new Message(p.getTopic().toString(),
                            read(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))))
                    .send().get(10, TimeUnit.SECONDS);
            server.product(product, "arduino-4m");
            server.uploadOk(product, "1.0.0", Multipart.file("firmware", ImageBuilder.arduino().version("1.0.0").payload(80, 6_000).build()));
            server.upload(product, new Multipart().field("version", "2.0.0").field("hold", "true").file("firmware", "v2.bin", v2));
            RawHttp.exchange(server.port(), "GET /u/" + product + "?mac=AA:00:00:00:00:01&version=1.0.0 HTTP/1.0\r\nHost: x\r\n\r\n");
            var created = server.send("POST", "/api/v1/products/" + product + "/rollouts", "{\"version\":\"2.0.0\",\"waves\":\"100\"}");
            long id = Json.MAPPER.readTree(created.body()).get("id").asLong();
            assertThat(server.send("POST", "/api/v1/rollouts/" + id + "/start", null).statusCode()).isEqualTo(200);

            Message first = received.poll(5, TimeUnit.SECONDS);
            Message second = received.poll(5, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(second).isNotNull();
            Message event = first.topic().endsWith("/rollouts/" + id) ? first : second;
            Message offer = event == first ? second : first;
            assertThat(event.topic()).isEqualTo("updraft/" + product + "/rollouts/" + id);
            assertThat(event.body().get("event").asText()).isEqualTo("started");
            assertThat(event.body().get("release").asText()).isEqualTo("2.0.0");
            assertThat(offer.topic()).isEqualTo("updraft/" + product + "/AA:00:00:00:00:01/update");
            assertThat(offer.body().get("version").asText()).isEqualTo("2.0.0");
            assertThat(offer.body().get("url").asText()).isEqualTo("/u/" + product);
            assertThat(offer.body().get("sha256").asText()).isEqualTo(Digests.sha256Hex(v2));
            assertThat(offer.body().get("size").asLong()).isEqualTo(v2.length);
        } finally {
            sub.disconnect().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBrokerThatIsDownDoesNotStopTheServerButAMalformedUrlDoes() {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED, c -> c.withNotifications("tcp://127.0.0.1:1", null))) {
            assertThat(server.get("/health").statusCode()).isEqualTo(200);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MqttNotifier.connect("http://x", null))
                .hasMessage("MQTT broker URL must look like tcp://127.0.0.1:1883, was http://x");
    }

    static JsonNode read(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
