package org.updraft.server.catalog;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.updraft.core.layout.Partition;
import org.updraft.server.problem.Rejection;
import org.updraft.server.store.Sql;

/**
 * Each product's stepping stone: a small release a device is offered first when its free sketch
 * space is below its target's image, so that the target fits once the device runs it
 * (docs/rollouts.md, "Stepping stones for small flash"). The rules of a designation
 * ({@link #check}) and the table {@code product_stepping_stone}; the {@link Catalog} calls it
 * under its monitor and keeps the map it returns as part of its read model.
 *
 * <p>Why only Arduino ESP8266 products: there the update is staged between the running sketch
 * and the file system, so {@code x-ESP8266-free-space} is {@code FS_start - roundup4K(sketch)}
 * (core {@code EspClass::getFreeSketchSpace}) and shrinks as the sketch grows; a smaller sketch
 * frees room. On ESP32 the free space is the other OTA partition and on NONOS the other slot, the
 * same whatever runs, so a stepping stone would only add a useless update.
 *
 * <p>Invariant at designation: the release belongs to the product, carries a {@code firmware}
 * image smaller than the product's newest other release, with a security counter not above it,
 * and that newest release fits the free space above the stepping stone. Later uploads are not
 * checked against it; the policy offers the stone only when it fits, the device does not run it
 * yet, and the target fits the space the stone will leave (from the sketch size the device
 * reports), so a stone that no longer helps is not sent and no device ends on it.
 */
final class SteppingStones {

    /** The erase unit the core rounds the running sketch up to (FLASH_SECTOR_SIZE). */
    private static final long SECTOR = 4096;

    private final Jdbi jdbi;

    SteppingStones(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Every designation: product id to release id. */
    Map<Long, Long> load() {
        Map<Long, Long> m = new HashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT product_id, release_id FROM product_stepping_stone")
                .map((rs, ctx) -> Map.entry(rs.getLong("product_id"), rs.getLong("release_id")))
                .forEach(e -> m.put(e.getKey(), e.getValue())));
        return Map.copyOf(m);
    }

    /**
     * Refuses a designation that could not work, naming why: the release must exist and be the
     * product's, the product must be an Arduino ESP8266 one, and there must be a newer release
     * it steps to (the newest other release, {@code releases} newest first), larger than it,
     * with a security counter not below it, that fits above it.
     */
    static Release check(Product product, List<Release> releases, String versionText) {
        if (versionText == null || versionText.isBlank()) {
            throw Rejection.badRequest("body must be {\"version\": \"<release version>\"}: the release devices step through");
        }
        if (product.kind() != ProductKind.ARDUINO) {
            throw Rejection.conflict("product '" + product.name() + "' is " + product.kind().id() + ": a stepping stone helps only "
                    + "Arduino ESP8266 products, whose free sketch space depends on the running sketch (ESP32 and NONOS "
                    + "update into a fixed other slot)");
        }
        Release stone = releases.stream().filter(r -> r.version().toString().equals(versionText.strip())).findFirst()
                .orElseThrow(() -> Rejection.notFound("product '" + product.name() + "' has no release "
                        + Rejection.echo(versionText) + "; upload the small release first (updraft release upload --hold)"));
        Artifact stoneImage = stone.artifact(ArtifactRole.FIRMWARE).orElseThrow(() -> Rejection.conflict("release "
                + stone.version() + " has no firmware image"));
        Release target = releases.stream().filter(r -> r.id() != stone.id()).findFirst()
                .orElseThrow(() -> Rejection.conflict("product '" + product.name() + "' has no other release for "
                        + stone.version() + " to step to; upload the large release first"));
        long targetSize = target.artifact(ArtifactRole.FIRMWARE).map(Artifact::size).orElse(0L);
        if (stoneImage.size() >= targetSize) {
            throw Rejection.conflict("release " + stone.version() + " is " + stoneImage.size() + " bytes, not smaller than "
                    + target.version() + " (" + targetSize + " bytes) it would step to: a stepping stone must be smaller");
        }
        if (stone.securityCounter() > target.securityCounter()) {
            throw Rejection.conflict("release " + stone.version() + " has security counter " + stone.securityCounter()
                    + ", above " + target.securityCounter() + " of " + target.version()
                    + ": a device on it could never be offered " + target.version());
        }
        long above = freeSpaceAbove(product, stoneImage.size());
        if (targetSize > above) {
            throw Rejection.conflict("release " + target.version() + " (" + targetSize + " bytes) does not fit even above "
                    + stone.version() + ": a device running it has " + above + " bytes free on layout "
                    + product.layout().id() + "; build a smaller stepping stone");
        }
        return stone;
    }

    /**
     * {@code x-ESP8266-free-space} of a device running a sketch of {@code sketchSize} bytes:
     * {@code FS_start - roundup4K(sketchSize)} (core {@code EspClass::getFreeSketchSpace}), FS_start
     * being the end of the layout's {@code sketch} partition.
     */
    static long freeSpaceAbove(Product product, long sketchSize) {
        long fsStart = product.layout().partitions().stream().filter(p -> p.name().equals("sketch"))
                .mapToLong(Partition::size).findFirst().orElse(product.layout().slotSize());
        return fsStart - (sketchSize + SECTOR - 1) / SECTOR * SECTOR;
    }

    /** Records {@code release} as the product's stepping stone, replacing any earlier one. */
    void set(Product product, Release release, Instant at) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO product_stepping_stone (product_id, release_id, set_at) VALUES (:p, :r, :at)
                        ON CONFLICT (product_id) DO UPDATE SET release_id = excluded.release_id, set_at = excluded.set_at""")
                .bind("p", product.id()).bind("r", release.id()).bind("at", Sql.utc(at)).execute());
    }

    /** Removes the product's stepping stone; false when it had none. */
    boolean clear(Product product) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM product_stepping_stone WHERE product_id = :p")
                .bind("p", product.id()).execute()) > 0;
    }

    /** The designated release of {@code product} in {@code stones}, if any. */
    static Optional<Long> of(Map<Long, Long> stones, Product product) {
        return Optional.ofNullable(stones.get(product.id()));
    }
}
