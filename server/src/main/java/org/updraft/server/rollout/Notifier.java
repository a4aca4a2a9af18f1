package org.updraft.server.rollout;

import java.util.Map;

/** Who hears about offers and rollout events: MQTT, webhooks, or no one. */
public interface Notifier extends AutoCloseable {

    /**
     * A device may fetch a release now ({@code updraft/<product>/<mac>/update}): devices that
     * listen pull at once instead of at their next poll.
     */
    void updateAvailable(String product, String mac, Map<String, Object> offer);

    /** wave-advanced, halted, completed, paused, resumed, aborted, started. */
    void rolloutEvent(String product, long rolloutId, String event, Map<String, Object> detail);

    @Override
    default void close() {
    }

    /** The JSON body of a rollout event, the same on every channel: event, rollout, product, then the details. */
    static Map<String, Object> eventBody(String product, long rolloutId, String event, Map<String, Object> detail) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("event", event);
        body.put("rollout", rolloutId);
        body.put("product", product);
        body.putAll(detail);
        return body;
    }

    Notifier NONE = new Notifier() {
        @Override
        public void updateAvailable(String product, String mac, Map<String, Object> offer) {
        }

        @Override
        public void rolloutEvent(String product, long rolloutId, String event, Map<String, Object> detail) {
        }
    };
}
