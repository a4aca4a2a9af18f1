package org.updraft.core.sign;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.updraft.core.Validate;

/**
 * A release manifest: which artifacts make up a release, with their SHA-256 and size, a security
 * counter and an expiry, signed with Ed25519 — the "signed length and hash" and "expires" checks of
 * TUF/Uptane partial verification, small enough for a device (docs/security.md, "Release manifests and
 * security counters").
 *
 * <h2>Canonical form (version 1)</h2>
 * ASCII text, one {@code key=value} line per field, each ending in LF ({@code \n}), no blank lines,
 * lines sorted by key in ASCII order, no spaces around {@code =}. Fields:
 * <pre>
 * artifact.ROLE.sha256=64 lower-case hex digits   (one pair per artifact; at least one artifact;
 * artifact.ROLE.size=decimal byte count            ROLE: [a-z0-9][a-z0-9_-]{0,31}, e.g. app, user1)
 * expires=yyyy-MM-ddTHH:mm:ssZ                     (UTC, whole seconds; invalid from that instant on)
 * format=updraft-release-manifest/1
 * key-id=SHA256:…                                  (VerifyingKey#fingerprint of the signing key)
 * product=[a-z0-9][a-z0-9._-]{0,63}
 * security-counter=decimal, 0 to 2^63-1, no leading zeros
 * signature=base64 (RFC 4648 §4, padded) of the 64-byte Ed25519 signature
 * version=[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}
 * </pre>
 * The signed message is the canonical form without the {@code signature} line ({@link #signedText()}),
 * as UTF-8 (= ASCII) bytes, signed with pure Ed25519 (RFC 8032). Because {@code key-id} and
 * {@code format} are inside the signed text, a signature cannot be moved to another key or format.
 *
 * <p>{@link #parse} is strict: unknown, missing or duplicate fields, values outside the patterns
 * above, CR characters, blank lines and bad base64 are errors naming the line. Field order is free on
 * input (the signature is checked over the canonical form); {@link #text()} always writes it.
 *
 * @param product product name
 * @param version release version
 * @param artifacts the artifacts, sorted by role
 * @param securityCounter anti-rollback counter; devices and the server refuse a lower one
 * @param expires the manifest is invalid from this instant on
 * @param keyId fingerprint of the signing key
 * @param signature base64 of the Ed25519 signature over {@link #signedText()}
 */
public record ReleaseManifest(String product, String version, List<Artifact> artifacts, long securityCounter,
                              Instant expires, String keyId, String signature) {

    /** The value of the {@code format} field. */
    public static final String FORMAT = "updraft-release-manifest/1";

    static final Pattern PRODUCT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}");
    static final Pattern ROLE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    static final Pattern COUNT = Pattern.compile("0|[1-9][0-9]{0,18}");
    static final Pattern EXPIRES = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z");
    static final Pattern KEY_ID = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");
    static final Pattern ARTIFACT_KEY = Pattern.compile("artifact\\.([^.=]*)\\.(sha256|size)");
    private static final Set<String> FIELDS = Set.of("expires", "format", "key-id", "product",
            "security-counter", "signature", "version");
    private static final int ED25519_SIGNATURE_BYTES = 64;

    /**
     * One file of the release.
     *
     * @param role what it is for: "app", "user1", "user2", "filesystem"…
     * @param sha256 64 lower-case hex digits
     * @param size bytes
     */
    public record Artifact(String role, String sha256, long size) {
        public Artifact {
            Validate.isTrue(role != null && ROLE.matcher(role).matches(),
                    "artifact role must match " + ROLE + ", got " + quote(role));
            Validate.isTrue(sha256 != null && SHA256.matcher(sha256).matches(),
                    "artifact sha256 must be 64 lower-case hex digits, got " + quote(sha256));
            Validate.notNegative(size, "artifact size");
        }

        /** The artifact describing {@code content}. */
        public static Artifact of(String role, byte[] content) {
            return new Artifact(role, sha256Hex(content), content.length);
        }

        /** Whether {@code content} is this artifact: same size and SHA-256. */
        public boolean matches(byte[] content) {
            return content.length == size && MessageDigest.isEqual(
                    sha256Hex(content).getBytes(StandardCharsets.US_ASCII), sha256.getBytes(StandardCharsets.US_ASCII));
        }
    }

    public ReleaseManifest {
        Validate.isTrue(product != null && PRODUCT.matcher(product).matches(),
                "product must match " + PRODUCT + ", got " + quote(product));
        Validate.isTrue(version != null && VERSION.matcher(version).matches(),
                "version must match " + VERSION + ", got " + quote(version));
        Validate.notNull(artifacts, "artifacts");
        Validate.isTrue(!artifacts.isEmpty(), "a manifest needs at least one artifact");
        List<Artifact> sorted = new ArrayList<>(artifacts);
        sorted.sort(Comparator.comparing(Artifact::role));
        for (int i = 1; i < sorted.size(); i++) {
            Validate.isTrue(!sorted.get(i).role().equals(sorted.get(i - 1).role()),
                    "duplicate artifact role '" + sorted.get(i).role() + "'");
        }
        artifacts = List.copyOf(sorted);
        Validate.notNegative(securityCounter, "securityCounter");
        Validate.notNull(expires, "expires");
        Validate.isTrue(EXPIRES.matcher(expires.toString()).matches(),
                "expires must be whole seconds between years 0000 and 9999, got " + expires);
        Validate.isTrue(keyId != null && KEY_ID.matcher(keyId).matches(),
                "keyId must be a key fingerprint (SHA256: and 43 base64 characters), got " + quote(keyId));
        Validate.notNull(signature, "signature");
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("signature is not base64: " + e.getMessage());
        }
        Validate.isTrue(raw.length == ED25519_SIGNATURE_BYTES && Base64.getEncoder().encodeToString(raw)
                .equals(signature), "signature must be the padded base64 of " + ED25519_SIGNATURE_BYTES
                + " bytes (Ed25519), got " + raw.length + " bytes");
    }

    /**
     * Creates and signs a manifest. {@code expires} is truncated to whole seconds; {@code key} must
     * be Ed25519.
     */
    public static ReleaseManifest create(String product, String version, List<Artifact> artifacts,
                                         long securityCounter, Instant expires, SigningKey key) {
        Validate.notNull(key, "key");
        Validate.notNull(expires, "expires");
        Validate.isTrue(key.algorithm() == KeyAlgorithm.ED25519, "release manifests are signed with Ed25519;"
                + " the key is " + key);
        Instant whole = expires.truncatedTo(ChronoUnit.SECONDS);
        String placeholder = Base64.getEncoder().encodeToString(new byte[ED25519_SIGNATURE_BYTES]);
        ReleaseManifest unsigned = new ReleaseManifest(product, version, artifacts, securityCounter, whole,
                key.fingerprint(), placeholder);
        byte[] signature = key.sign(unsigned.signedText().getBytes(StandardCharsets.UTF_8));
        return new ReleaseManifest(product, version, artifacts, securityCounter, whole, key.fingerprint(),
                Base64.getEncoder().encodeToString(signature));
    }

    /** Parses a manifest (see the class comment); IllegalArgumentException names the line and the problem. */
    public static ReleaseManifest parse(String text) {
        Validate.notNull(text, "text");
        Map<String, String> fields = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new TreeMap<>();
        Map<String, String[]> artifactFields = new TreeMap<>();
        String[] lines = text.split("\n", -1);
        int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty manifest; expected key=value lines starting with"
                    + " artifact.ROLE.sha256=…");
        }
        for (int i = 0; i < count; i++) {
            int n = i + 1;
            String line = lines[i];
            if (line.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("line " + n + ": carriage return; manifests use LF line ends");
            }
            if (line.isEmpty()) {
                throw new IllegalArgumentException("line " + n + ": blank line; expected key=value");
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("line " + n + ": expected key=value, got " + quote(line));
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            Integer first = lineOf.putIfAbsent(key, n);
            if (first != null) {
                throw new IllegalArgumentException("line " + n + ": duplicate field '" + key + "' (first on line "
                        + first + ")");
            }
            Matcher artifact = ARTIFACT_KEY.matcher(key);
            if (artifact.matches()) {
                String role = artifact.group(1);
                if (!ROLE.matcher(role).matches()) {
                    throw new IllegalArgumentException("line " + n + ": artifact role must match " + ROLE
                            + ", got " + quote(role));
                }
                String[] pair = artifactFields.computeIfAbsent(role, r -> new String[2]);
                if (artifact.group(2).equals("sha256")) {
                    require(value, SHA256, n, key, "64 lower-case hex digits");
                    pair[0] = value;
                } else {
                    require(value, COUNT, n, key, "a decimal byte count");
                    pair[1] = value;
                }
            } else if (FIELDS.contains(key)) {
                fields.put(key, value);
            } else {
                throw new IllegalArgumentException("line " + n + ": unknown field '" + key + "'; expected "
                        + "artifact.ROLE.sha256, artifact.ROLE.size, " + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        }
        for (String field : FIELDS.stream().sorted().toList()) {
            if (!fields.containsKey(field)) {
                throw new IllegalArgumentException("missing field '" + field + "'");
            }
        }
        if (artifactFields.isEmpty()) {
            throw new IllegalArgumentException("missing field 'artifact.ROLE.sha256': a manifest needs at least one artifact");
        }
        if (!fields.get("format").equals(FORMAT)) {
            throw new IllegalArgumentException("line " + lineOf.get("format") + ": format " + quote(fields.get("format"))
                    + " is not supported; expected " + FORMAT);
        }
        List<Artifact> artifacts = new ArrayList<>();
        for (Map.Entry<String, String[]> e : artifactFields.entrySet()) {
            String[] pair = e.getValue();
            if (pair[0] == null || pair[1] == null) {
                throw new IllegalArgumentException("missing field 'artifact." + e.getKey() + "."
                        + (pair[0] == null ? "sha256" : "size") + "'");
            }
            String sizeKey = "artifact." + e.getKey() + ".size";
            artifacts.add(new Artifact(e.getKey(), pair[0], count(pair[1], lineOf.get(sizeKey), sizeKey)));
        }
        String product = require(fields.get("product"), PRODUCT, lineOf.get("product"), "product", PRODUCT.pattern());
        String version = require(fields.get("version"), VERSION, lineOf.get("version"), "version", VERSION.pattern());
        long counter = count(require(fields.get("security-counter"), COUNT, lineOf.get("security-counter"),
                "security-counter", "a non-negative decimal integer without leading zeros"), lineOf.get("security-counter"),
                "security-counter");
        String expiresText = require(fields.get("expires"), EXPIRES, lineOf.get("expires"), "expires",
                "yyyy-MM-ddTHH:mm:ssZ (UTC)");
        Instant expires;
        try {
            expires = Instant.parse(expiresText);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("line " + lineOf.get("expires") + ": expires: not a date and time: "
                    + quote(expiresText));
        }
        String keyId = require(fields.get("key-id"), KEY_ID, lineOf.get("key-id"), "key-id",
                "SHA256: followed by 43 base64 characters");
        String signature = fields.get("signature");
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("line " + lineOf.get("signature") + ": signature: not base64 ("
                    + e.getMessage() + ")");
        }
        if (raw.length != ED25519_SIGNATURE_BYTES || !Base64.getEncoder().encodeToString(raw).equals(signature)) {
            throw new IllegalArgumentException("line " + lineOf.get("signature") + ": signature: "
                    + raw.length + " bytes; expected the padded base64 of 64 bytes (Ed25519)");
        }
        return new ReleaseManifest(product, version, artifacts, counter, expires, keyId, signature);
    }

    /**
     * Valid if {@link #keyId()} names one of {@code trusted}, the signature verifies with it, and
     * {@code now} is before {@link #expires()}. Reasons: "untrusted key …", "bad signature: …",
     * "expired at …".
     */
    public Verification verify(Collection<VerifyingKey> trusted, Instant now) {
        Validate.notNull(trusted, "trusted");
        Validate.notNull(now, "now");
        VerifyingKey key = trusted.stream().filter(k -> k.fingerprint().equals(keyId)).findFirst().orElse(null);
        if (key == null) {
            return new Verification.Invalid("untrusted key " + keyId + ": not among the " + trusted.size()
                    + " trusted key" + (trusted.size() == 1 ? "" : "s")
                    + (trusted.isEmpty() ? "" : " (" + String.join(", ",
                            trusted.stream().map(VerifyingKey::fingerprint).toList()) + ")"));
        }
        if (key.algorithm() != KeyAlgorithm.ED25519) {
            return new Verification.Invalid("bad signature: key " + keyId + " is " + key.algorithm().displayName()
                    + "; release manifests are signed with Ed25519");
        }
        boolean verifies;
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key.publicKey());
            s.update(signedText().getBytes(StandardCharsets.UTF_8));
            verifies = s.verify(Base64.getDecoder().decode(signature));
        } catch (GeneralSecurityException e) {
            verifies = false;
        }
        if (!verifies) {
            return new Verification.Invalid("bad signature: the manifest does not verify with key " + keyId);
        }
        if (!now.isBefore(expires)) {
            return new Verification.Invalid("expired at " + expires + " (now " + now.truncatedTo(ChronoUnit.SECONDS) + ")");
        }
        return new Verification.Valid(keyId, KeyAlgorithm.ED25519);
    }

    /** The canonical form, signature line included (class comment). */
    public String text() {
        return canonical(true);
    }

    /** The canonical form without the signature line: the bytes the signature covers. */
    public String signedText() {
        return canonical(false);
    }

    /** The artifact with {@code role}, if any. */
    public Optional<Artifact> artifact(String role) {
        return artifacts.stream().filter(a -> a.role().equals(role)).findFirst();
    }

    private String canonical(boolean withSignature) {
        TreeMap<String, String> lines = new TreeMap<>();
        for (Artifact a : artifacts) {
            lines.put("artifact." + a.role() + ".sha256", a.sha256());
            lines.put("artifact." + a.role() + ".size", Long.toString(a.size()));
        }
        lines.put("expires", expires.toString());
        lines.put("format", FORMAT);
        lines.put("key-id", keyId);
        lines.put("product", product);
        lines.put("security-counter", Long.toString(securityCounter));
        if (withSignature) {
            lines.put("signature", signature);
        }
        lines.put("version", version);
        StringBuilder out = new StringBuilder();
        lines.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
        return out.toString();
    }

    private static String require(String value, Pattern pattern, int line, String field, String expected) {
        if (!pattern.matcher(value).matches()) {
            throw new IllegalArgumentException("line " + line + ": " + field + ": expected " + expected + ", got "
                    + quote(value));
        }
        return value;
    }

    /** A value matching {@link #COUNT} (up to 19 digits) as a long; IllegalArgumentException above 2^63-1. */
    private static long count(String value, int line, String field) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("line " + line + ": " + field + ": " + value
                    + " is larger than the largest allowed, 2^63-1 = " + Long.MAX_VALUE);
        }
    }

    static String sha256Hex(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static String quote(String s) {
        if (s == null) {
            return "nothing";
        }
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return "'" + shown + "'";
    }
}
