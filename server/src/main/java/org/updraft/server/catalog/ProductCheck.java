package org.updraft.server.catalog;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.regex.Pattern;
import org.updraft.core.layout.FlashLayout;
import org.updraft.server.catalog.Catalog.ProductSpec;
import org.updraft.server.problem.Rejection;

/**
 * The rules for a new product: a valid, unused name; a known layout; a chip and kind that fit the
 * layout; a slot the layout can stage; an optional device-facing update path that is well formed,
 * outside the server's own routes ({@link Catalog#RESERVED_ROOTS}) and unused in any letter case;
 * a health window of at most 30 days. Defaults fill what the spec leaves out.
 */
final class ProductCheck {

    private static final Pattern PRODUCT_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern UPDATE_PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
    /** Longest health window: 30 days. */
    private static final long MAX_WINDOW_SECONDS = 30L * 24 * 3600;
    private static final long DEFAULT_WINDOW_SECONDS = 300;

    private ProductCheck() {
    }

    /**
     * The product {@code spec} describes, not yet stored (id 0; signing unsigned-allowed,
     * enrollment open); refused with 400 or 409 naming the problem.
     *
     * @param existing every product the catalog has
     */
    static Product check(ProductSpec spec, Collection<Product> existing, Instant now) {
        if (spec.name() == null || !PRODUCT_NAME.matcher(spec.name()).matches()) {
            throw Rejection.badRequest("product name '" + spec.name() + "' is not valid: use 1-64 characters a-z 0-9 . _ -, "
                    + "starting with a letter or digit");
        }
        if (existing.stream().anyMatch(p -> p.name().equals(spec.name()))) {
            throw Rejection.conflict("product '" + spec.name() + "' already exists");
        }
        if (spec.layout() == null) {
            throw Rejection.badRequest("layout is required; one of " + layoutIds());
        }
        FlashLayout layout;
        try {
            layout = FlashLayout.byId(spec.layout());
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
        String layoutChip = layout.chip().displayName().toLowerCase();
        String chip = spec.chip() == null ? layoutChip : spec.chip().toLowerCase();
        if (chip.startsWith("esp32") != layoutChip.startsWith("esp32")) {
            throw Rejection.badRequest("chip " + chip + " does not match layout " + layout.id() + " (a " + layout.chip().displayName()
                    + " layout)");
        }
        if (!chip.equals("esp8266") && !chip.matches("esp32(-[a-z0-9]{2})?")) {
            throw Rejection.badRequest("unknown chip '" + spec.chip() + "'; expected esp8266, esp32, esp32-s2, esp32-s3, esp32-c3, "
                    + "esp32-c2, esp32-c6, esp32-h2, esp32-p4 or esp32-c5");
        }
        ProductKind kind = kind(spec, layout);
        boolean nonosLayout = layout.id().startsWith("nonos");
        if ((kind == ProductKind.NONOS) != nonosLayout || (kind == ProductKind.ESP_IDF) != chip.startsWith("esp32")) {
            throw Rejection.badRequest("kind " + kind.id() + " does not fit layout " + layout.id()
                    + " (nonos needs a nonos-* layout, esp-idf an esp32 layout, arduino an arduino-* layout)");
        }
        long slot = spec.slotSize() == null ? layout.slotSize() : spec.slotSize();
        if (slot <= 0 || slot > layout.slotSize()) {
            throw Rejection.badRequest("slotSize " + slot + " must be between 1 and " + layout.slotSize()
                    + " (the largest image layout " + layout.id() + " can stage)");
        }
        String path = spec.updatePath();
        if (path != null) {
            checkUpdatePath(path, existing);
        }
        long window = spec.healthWindowSeconds() == null ? DEFAULT_WINDOW_SECONDS : spec.healthWindowSeconds();
        if (window < 0 || window > MAX_WINDOW_SECONDS) {
            throw Rejection.badRequest("healthWindowSeconds must be within 0..2592000 (30 days), was " + window);
        }
        return new Product(0, spec.name(), chip, kind, layout, layout.flashSize(), slot, path, Duration.ofSeconds(window), now,
                SigningPolicy.UNSIGNED_ALLOWED, Enrollment.OPEN);
    }

    /** The kind the spec names, or the one its layout implies. */
    private static ProductKind kind(ProductSpec spec, FlashLayout layout) {
        if (spec.kind() == null) {
            return layout.id().startsWith("nonos") ? ProductKind.NONOS
                    : layout.id().startsWith("esp32") ? ProductKind.ESP_IDF : ProductKind.ARDUINO;
        }
        try {
            return ProductKind.parse(spec.kind());
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
    }

    private static void checkUpdatePath(String path, Collection<Product> existing) {
        if (!UPDATE_PATH.matcher(path).matches() || path.contains("/./") || path.contains("/../")
                || path.endsWith("/.") || path.endsWith("/..")) {
            throw Rejection.badRequest("updatePath '" + Rejection.echo(path) + "' is not valid: an absolute path of letters, "
                    + "digits and . _ ~ -, without . or .. segments");
        }
        String root = path.toLowerCase(Locale.ROOT).split("/", 3)[1];
        if (Catalog.RESERVED_ROOTS.contains("/" + root)) {
            throw Rejection.badRequest("updatePath '" + Rejection.echo(path) + "' is not valid: it lies under /" + root
                    + ", which the server's own routes use (in any letter case, paths under "
                    + String.join(", ", Catalog.RESERVED_ROOTS) + " are reserved)");
        }
        for (Product other : existing) {
            if (other.updatePath() != null && other.updatePath().equalsIgnoreCase(path)) {
                throw Rejection.conflict("updatePath " + path + " is already used by product '" + other.name() + "'"
                        + (other.updatePath().equals(path) ? "" : " as " + other.updatePath() + " (paths differing only in case clash)"));
            }
        }
    }

    private static String layoutIds() {
        return String.join(", ", Arrays.stream(FlashLayout.values()).map(FlashLayout::id).toList());
    }
}
