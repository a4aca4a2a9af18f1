package org.updraft.server.notify;

import java.util.List;
import java.util.Map;
import org.updraft.server.rollout.Notifier;

/** Sends to every configured notifier. */
public record Notifiers(List<Notifier> all) implements Notifier {

    @Override
    public void updateAvailable(String product, String mac, Map<String, Object> offer) {
        all.forEach(n -> n.updateAvailable(product, mac, offer));
    }

    @Override
    public void rolloutEvent(String product, long rolloutId, String event, Map<String, Object> detail) {
        all.forEach(n -> n.rolloutEvent(product, rolloutId, event, detail));
    }

    @Override
    public void close() {
        all.forEach(Notifier::close);
    }
}
