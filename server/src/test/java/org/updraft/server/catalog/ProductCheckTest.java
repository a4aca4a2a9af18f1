package org.updraft.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.updraft.core.layout.FlashLayout;
import org.updraft.server.catalog.Catalog.ProductSpec;
import org.updraft.server.problem.Rejection;

/** The rules for a new product, without a database: the defaults, and each refusal with its exact message and status. */
class ProductCheckTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Product RELAY = ProductCheck.check(new ProductSpec("relay", null, null, "arduino-4m", null, "/fw/Relay.bin", null),
            List.of(), NOW);

    static ProductSpec spec(String name, String chip, String kind, String layout, Long slot, String path, Long window) {
        return new ProductSpec(name, chip, kind, layout, slot, path, window);
    }

    static void assertRefused(ProductSpec spec, int status, String message) {
        Rejection r = catchThrowableOfType(Rejection.class, () -> ProductCheck.check(spec, List.of(RELAY), NOW));
        assertThat(r).as("expected a refusal").isNotNull();
        assertThat(r.getMessage()).isEqualTo(message);
        assertThat(r.status()).isEqualTo(status);
    }

    @Test
    void theLayoutImpliesChipKindSlotAndTheDefaultsFillTheRest() {
        Product p = ProductCheck.check(spec("wifi", null, null, "nonos-1m", null, null, null), List.of(RELAY), NOW);

        assertThat(p).isEqualTo(new Product(0, "wifi", "esp8266", ProductKind.NONOS, FlashLayout.NONOS_1M, 0x100000, 0x7A000,
                null, Duration.ofSeconds(300), NOW, SigningPolicy.UNSIGNED_ALLOWED, Enrollment.OPEN));
        assertThat(ProductCheck.check(spec("meter", "ESP32-S3", null, "esp32-4m", 4096L, "/meter", 0L), List.of(RELAY), NOW))
                .isEqualTo(new Product(0, "meter", "esp32-s3", ProductKind.ESP_IDF, FlashLayout.ESP32_4M, 0x400000, 4096,
                        "/meter", Duration.ZERO, NOW, SigningPolicy.UNSIGNED_ALLOWED, Enrollment.OPEN));
    }

    @Test
    void theNameIsValidAndUnused() {
        assertRefused(spec("Relay 2", null, null, "arduino-4m", null, null, null), 400,
                "product name 'Relay 2' is not valid: use 1-64 characters a-z 0-9 . _ -, starting with a letter or digit");
        assertRefused(spec("relay", null, null, "arduino-4m", null, null, null), 409, "product 'relay' already exists");
    }

    @Test
    void theLayoutIsGivenAndKnown() {
        assertRefused(spec("lamp", null, null, null, null, null, null), 400, "layout is required; one of nonos-512k, nonos-1m, "
                + "nonos-4m-map4, nonos-4m-map6, arduino-4m, arduino-1m, esp32-4m");
        String reason = catchThrowableOfType(IllegalArgumentException.class, () -> FlashLayout.byId("arduino-8m")).getMessage();
        assertRefused(spec("lamp", null, null, "arduino-8m", null, null, null), 400, reason);
    }

    @Test
    void chipAndKindFitTheLayout() {
        assertRefused(spec("lamp", "esp32", null, "arduino-4m", null, null, null), 400,
                "chip esp32 does not match layout arduino-4m (a ESP8266 layout)");
        assertRefused(spec("lamp", "esp32-xyz", null, "esp32-4m", null, null, null), 400, "unknown chip 'esp32-xyz'; expected "
                + "esp8266, esp32, esp32-s2, esp32-s3, esp32-c3, esp32-c2, esp32-c6, esp32-h2, esp32-p4 or esp32-c5");
        assertRefused(spec("lamp", null, "nonos", "arduino-4m", null, null, null), 400, "kind nonos does not fit layout "
                + "arduino-4m (nonos needs a nonos-* layout, esp-idf an esp32 layout, arduino an arduino-* layout)");
    }

    @Test
    void theSlotFitsTheLayout() {
        assertRefused(spec("lamp", null, null, "arduino-4m", 0L, null, null), 400,
                "slotSize 0 must be between 1 and 1044464 (the largest image layout arduino-4m can stage)");
        assertRefused(spec("lamp", null, null, "arduino-4m", 1044465L, null, null), 400,
                "slotSize 1044465 must be between 1 and 1044464 (the largest image layout arduino-4m can stage)");
    }

    @Test
    void theUpdatePathIsWellFormedNotReservedAndUnusedInAnyCase() {
        assertRefused(spec("lamp", null, null, "arduino-4m", null, "/fw/../lamp.bin", null), 400, "updatePath '/fw/../lamp.bin' "
                + "is not valid: an absolute path of letters, digits and . _ ~ -, without . or .. segments");
        assertRefused(spec("lamp", null, null, "arduino-4m", null, "/API/lamp.bin", null), 400, "updatePath '/API/lamp.bin' is "
                + "not valid: it lies under /api, which the server's own routes use (in any letter case, paths under /api, /u, "
                + "/ui, /health, /ready, /metrics are reserved)");
        assertRefused(spec("lamp", null, null, "arduino-4m", null, "/fw/Relay.bin", null), 409,
                "updatePath /fw/Relay.bin is already used by product 'relay'");
        assertRefused(spec("lamp", null, null, "arduino-4m", null, "/fw/relay.bin", null), 409, "updatePath /fw/relay.bin is "
                + "already used by product 'relay' as /fw/Relay.bin (paths differing only in case clash)");
    }

    @Test
    void theHealthWindowIsAtMostThirtyDays() {
        assertRefused(spec("lamp", null, null, "arduino-4m", null, null, 2_592_001L), 400,
                "healthWindowSeconds must be within 0..2592000 (30 days), was 2592001");
        assertRefused(spec("lamp", null, null, "arduino-4m", null, null, -1L), 400,
                "healthWindowSeconds must be within 0..2592000 (30 days), was -1");
    }
}
