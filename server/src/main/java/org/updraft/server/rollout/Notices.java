package org.updraft.server.rollout;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.config.DeviceUrl;

/**
 * What rollouts tell the world, in which words: update-available offers to the members of a wave
 * ({@link #announce}; the device URL comes from configuration, {@link DeviceUrl}) and rollout
 * events ({@link #event}; every event's detail ends with the rollout's state and release
 * version). Sent through the {@link Notifier} set last ({@link Notifier#NONE} until then).
 */
final class Notices {

    private final Catalog catalog;
    private final DeviceUrl deviceUrl;
    private volatile Notifier notifier = Notifier.NONE;

    Notices(Catalog catalog, DeviceUrl deviceUrl) {
        this.catalog = catalog;
        this.deviceUrl = deviceUrl;
    }

    void notifier(Notifier n) {
        this.notifier = n;
    }

    /** Tells each device that the rollout's release waits for it (MQTT update-available). */
    void announce(Rollout r, Collection<String> macs) {
        Product p = catalog.product(r.productId()).orElseThrow();
        Release release = catalog.release(r.releaseId()).orElseThrow();
        Map<String, Object> offer = offer(release, deviceUrl.of(p.name()), r.id());
        for (String mac : macs) {
            notifier.updateAvailable(p.name(), mac, new LinkedHashMap<>(offer)); // a map of its own each: notifiers may adapt it
        }
    }

    /** The update-available payload: version, url, sha256 and size of the (first) image, rollout id. */
    static Map<String, Object> offer(Release release, String url, long rolloutId) {
        var artifact = release.apps().findFirst().orElseThrow();
        Map<String, Object> offer = new LinkedHashMap<>();
        offer.put("version", release.version().toString());
        offer.put("url", url);
        offer.put("sha256", artifact.sha256());
        offer.put("size", artifact.size());
        offer.put("rollout", rolloutId);
        return offer;
    }

    /** A rollout event (started, paused, resumed, aborted, halted, wave-advanced, completed) with its details. */
    void event(Rollout r, String event, Map<String, Object> detail) {
        Product p = catalog.product(r.productId()).orElseThrow();
        Map<String, Object> d = new LinkedHashMap<>(detail);
        d.put("state", r.state().id());
        d.put("release", catalog.release(r.releaseId()).map(x -> x.version().toString()).orElse(null));
        notifier.rolloutEvent(p.name(), r.id(), event, d);
    }
}
