package org.updraft.server.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpHeader;
import org.updraft.server.artifact.Digests;
import org.updraft.server.problem.Rejection;

/**
 * The dashboard's static files, served from the classpath: {@code /ui/...} from {@code ui/...}
 * (server/src/main/resources/ui), and {@code /ui/vendor/NAME/...} from the WebJar of that name
 * (never a copy). {@code /} and {@code /ui} redirect to {@code /ui/}, which is {@code index.html}.
 *
 * <p>Every answer carries a strict Content-Security-Policy (only this origin's scripts, styles and
 * connections; no inline script; no framing), {@code X-Content-Type-Options: nosniff}, an ETag
 * (a weak validator is not needed: bytes are fixed per build) answered with 304 on
 * {@code If-None-Match}, {@code Cache-Control: no-cache} (revalidate each time: file names carry no
 * version), and the gzip form when the client accepts it and it is smaller. Files are read once
 * and kept: they do not change while the server runs.
 */
final class UiAssets {

    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    /** WebJars that may be served under /ui/vendor/NAME/, with their Maven group. */
    private static final Map<String, String> VENDORS = Map.of("uplot", "org.webjars.npm");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,99}");
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"), Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"), Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"), Map.entry("ico", "image/x-icon"),
            Map.entry("json", "application/json"), Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("map", "application/json"));

    private final ClassLoader loader;
    private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

    UiAssets(ClassLoader loader) {
        this.loader = loader;
    }

    /** One file: its bytes, the gzip form when smaller (else null), type and validator. */
    record Asset(byte[] bytes, byte[] gzip, String contentType, String etag) {
    }

    /** Answers GET/HEAD of {@code /}, {@code /ui} and {@code /ui/...}; false for any other path. */
    boolean handle(Exchange ex, String path) {
        if (path.equals("/") || path.equals("/ui")) {
            ex.response().getHeaders().put(HttpHeader.LOCATION, "/ui/");
            ex.response().getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            ex.empty(302);
            return true;
        }
        if (!path.startsWith("/ui/")) {
            return false;
        }
        secure(ex);
        String rel = path.equals("/ui/") ? "index.html" : path.substring("/ui/".length());
        Asset asset = cache.computeIfAbsent(rel, this::load).orElseThrow(() -> Rejection.notFound(
                "no such file in the dashboard: " + Rejection.echo(path) + " (the dashboard starts at /ui/)"));
        var h = ex.response().getHeaders();
        boolean gzip = asset.gzip() != null && acceptsGzip(ex.header("Accept-Encoding"));
        String etag = "\"" + asset.etag() + (gzip ? "-gz" : "") + "\"";
        h.put(HttpHeader.CACHE_CONTROL, "no-cache");
        h.put(HttpHeader.ETAG, etag);
        h.put(HttpHeader.VARY, "Accept-Encoding");
        String match = ex.header("If-None-Match");
        if (match != null && (match.strip().equals("*") || java.util.Arrays.stream(match.split(",")).map(String::strip).anyMatch(etag::equals))) {
            ex.empty(304);
            return true;
        }
        if (gzip) {
            h.put(HttpHeader.CONTENT_ENCODING, "gzip");
        }
        ex.send(200, asset.contentType(), gzip ? asset.gzip() : asset.bytes());
        return true;
    }

    /** The headers every dashboard answer carries, errors included. */
    static void secure(Exchange ex) {
        var h = ex.response().getHeaders();
        h.put("Content-Security-Policy", CSP);
        h.put("X-Content-Type-Options", "nosniff");
        h.put("X-Frame-Options", "DENY");
        h.put("Referrer-Policy", "same-origin");
    }

    private Optional<Asset> load(String rel) {
        String[] segs = rel.split("/", -1);
        for (String s : segs) {
            if (!SEGMENT.matcher(s).matches()) {
                return Optional.empty();
            }
        }
        String resource = "ui/" + rel;
        if (segs.length >= 3 && segs[0].equals("vendor")) {
            resource = webJarPath(segs[1], rel.substring(("vendor/" + segs[1] + "/").length()));
            if (resource == null) {
                return Optional.empty();
            }
        }
        String name = segs[segs.length - 1];
        int dot = name.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(name.substring(dot + 1));
        if (type == null) {
            return Optional.empty();
        }
        byte[] bytes = read(resource);
        if (bytes == null) {
            return Optional.empty();
        }
        byte[] gz = type.startsWith("image/png") ? null : gzip(bytes);
        return Optional.of(new Asset(bytes, gz != null && gz.length < bytes.length ? gz : null, type,
                Digests.sha256Hex(bytes).substring(0, 32)));
    }

    /** META-INF/resources/webjars/NAME/VERSION/FILE, the version read from the jar's own pom.properties. */
    private String webJarPath(String name, String file) {
        String group = VENDORS.get(name);
        if (group == null) {
            return null;
        }
        byte[] props = read("META-INF/maven/" + group + "/" + name + "/pom.properties");
        if (props == null) {
            return null;
        }
        Properties p = new Properties();
        try {
            p.load(new java.io.ByteArrayInputStream(props));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "META-INF/resources/webjars/" + name + "/" + p.getProperty("version") + "/" + file;
    }

    private byte[] read(String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + resource + " from the classpath", e);
        }
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 64);
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** True when Accept-Encoding lists gzip (or *) without q=0. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] kv = part.strip().split(";");
            String coding = kv[0].strip().toLowerCase(java.util.Locale.ROOT);
            if (coding.equals("gzip") || coding.equals("*")) {
                boolean zero = kv.length > 1 && kv[1].strip().replace(" ", "").matches("q=0(\\.0{0,3})?");
                return !zero;
            }
        }
        return false;
    }
}
