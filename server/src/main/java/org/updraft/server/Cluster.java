package org.updraft.server;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.cluster.Change;
import org.updraft.server.cluster.ChangeFeed;
import org.updraft.server.cluster.Coordinator;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.SentFilesystems;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateTracker;

/**
 * This instance's place among several on one PostgreSQL database (docs/cluster.md): it applies
 * what the others changed to the memory that holds it ({@link ChangeFeed}), and takes part in
 * choosing the one instance that coordinates the rollouts ({@link Coordinator}). Tables not named
 * here (API tokens, allowlists, device tokens, the audit log) are read from the database on every
 * use, so nothing in memory goes stale.
 */
final class Cluster implements AutoCloseable {

    /** How often an instance tries to become the coordinator (and the holder checks its connection). */
    static final Duration COORDINATOR_PERIOD = Duration.ofSeconds(2);

    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);

    private final Catalog catalog;
    private final DeviceRegistry devices;
    private final RolloutEngine rollouts;
    private final UpdateTracker updates;
    private final SentFilesystems filesystems;
    private final ChangeFeed feed;
    private final Coordinator coordinator;

    private Cluster(String jdbcUrl, String instance, Catalog catalog, DeviceRegistry devices, RolloutEngine rollouts,
                    UpdateTracker updates, SentFilesystems filesystems) {
        this.catalog = catalog;
        this.filesystems = filesystems;
        this.devices = devices;
        this.rollouts = rollouts;
        this.updates = updates;
        this.feed = ChangeFeed.start(jdbcUrl, instance, new ChangeFeed.Listener() {
            @Override
            public void changed(Change change) {
                apply(change);
            }

            @Override
            public void reloadAll() {
                reload();
            }
        });
        this.coordinator = Coordinator.start(jdbcUrl, instance, new Coordinator.Roles() {
            @Override
            public void takeOver() {
                rollouts.takeOver();
            }

            @Override
            public void standDown() {
                // Nothing to undo: the engine stops evaluating as soon as coordinating() is false.
            }
        }, COORDINATOR_PERIOD);
        rollouts.coordinatedBy(coordinator::coordinating);
    }

    /** Joins the instances on the database of {@code jdbcUrl} as {@code instance}. */
    static Cluster join(String jdbcUrl, String instance, Catalog catalog, DeviceRegistry devices, RolloutEngine rollouts,
                        UpdateTracker updates, SentFilesystems filesystems) {
        return new Cluster(jdbcUrl, instance, catalog, devices, rollouts, updates, filesystems);
    }

    private void apply(Change change) {
        switch (change.table()) {
            case "product", "firmware_release", "release_artifact", "product_key", "product_stepping_stone" -> catalog.load();
            case "device", "device_tag", "device_token" -> devices.reload();
            case "rollout" -> rollouts.reload();
            case "device_update" -> {
                if (change.mac() != null) {
                    updates.reload(change.mac());
                }
            }
            case "device_filesystem" -> {
                if (change.mac() != null) {
                    filesystems.reload(change.mac());
                }
            }
            default -> LOG.trace("change of {} by {}: nothing in memory holds it", change.table(), change.writer());
        }
    }

    private void reload() {
        catalog.load();
        devices.reload();
        updates.reloadAll();
        rollouts.reload();
        filesystems.reloadAll();
    }

    /** Whether this instance coordinates the rollouts now. */
    boolean coordinating() {
        return coordinator.coordinating();
    }

    /** Whether the change feed is connected. */
    boolean listening() {
        return feed.listening();
    }

    @Override
    public void close() {
        coordinator.close();
        feed.close();
    }
}
