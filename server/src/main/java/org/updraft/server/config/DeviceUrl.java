package org.updraft.server.config;

/**
 * Where a device fetches a product's firmware, as update-available notices tell it: a path on
 * this server or an absolute URL, in which {@value #PRODUCT} stands for the product's name. The
 * default is the check-in route every product answers ({@code GET /u/{product}}, served by
 * {@code http.DeviceEndpoints}); a notifier that knows the server's public address makes a path
 * absolute ({@code notify.MqttNotifier}).
 *
 * @param template "/u/{product}", or e.g. "https://fw.example.com/u/{product}" behind a proxy
 */
public record DeviceUrl(String template) {

    /** The placeholder for the product name. */
    public static final String PRODUCT = "{product}";

    /** The server's own check-in route. */
    public static final DeviceUrl CHECK_IN = new DeviceUrl("/u/" + PRODUCT);

    public DeviceUrl {
        if (template == null || !(template.startsWith("/") || template.startsWith("http://") || template.startsWith("https://"))) {
            throw new IllegalArgumentException("device URL must be a path (/u/{product}) or an http(s) URL, was " + template);
        }
        if (!template.contains(PRODUCT)) {
            throw new IllegalArgumentException("device URL must contain " + PRODUCT + " where the product name goes, was " + template);
        }
        if (template.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("device URL must be printable ASCII without spaces, was " + template);
        }
    }

    /** The URL for one product. */
    public String of(String product) {
        return template.replace(PRODUCT, product);
    }
}
