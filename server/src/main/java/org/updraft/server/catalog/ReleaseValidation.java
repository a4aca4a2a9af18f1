package org.updraft.server.catalog;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalLong;
import java.util.zip.GZIPInputStream;
import org.updraft.core.image.FilesystemImage;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.ImageFormat;
import org.updraft.core.image.InvalidImageException;
import org.updraft.server.problem.Rejection;
import org.updraft.server.artifact.Digests;

/**
 * The image rules of the {@link ReleaseIntake}: whether uploaded images may become a release of
 * a product. Every check runs before anything is stored, so a rejection leaves the store and the
 * database untouched.
 *
 * <p>Checks, in order: the release has exactly the artifacts its product kind needs (one
 * {@code firmware}, or the NONOS {@code user1} + {@code user2} pair); each is a valid image
 * (magic, segments, checksum, v2 CRC, ESP32 SHA-256 — by {@link FirmwareImage#parse}); its
 * format and chip fit the product; its flash-size code does not exceed the product's flash; it
 * fits the product's update slot; a NONOS pair is not swapped and each image is linked for its
 * slot of the product's layout.
 */
final class ReleaseValidation {

    private ReleaseValidation() {
    }

    /**
     * An image that passed every check, with the digests the device endpoints serve.
     *
     * @param image      the parsed app image; null for the {@link ArtifactRole#FILESYSTEM} image
     * @param filesystem the checked file system image; null for an app image
     */
    record ValidatedImage(ArtifactRole role, byte[] bytes, FirmwareImage image, FilesystemImage filesystem, String sha256,
                          String md5, String installedMd5, String installedSha256) {

        /** What the artifact row keeps as the format: the app image's format, or LITTLEFS / SPIFFS. */
        String format() {
            return image != null ? image.format().name() : filesystem.kind().name();
        }
    }

    static Map<ArtifactRole, ValidatedImage> validate(Product product, Map<ArtifactRole, byte[]> uploads) {
        requireRoles(product, uploads);
        Map<ArtifactRole, ValidatedImage> out = new EnumMap<>(ArtifactRole.class);
        for (var e : uploads.entrySet()) {
            out.put(e.getKey(), e.getKey() == ArtifactRole.FILESYSTEM ? validateFilesystem(product, e.getValue())
                    : validateOne(product, e.getKey(), e.getValue()));
        }
        if (product.kind() == ProductKind.NONOS) {
            checkNonosPair(product, out.get(ArtifactRole.USER1), out.get(ArtifactRole.USER2));
        }
        return out;
    }

    private static void requireRoles(Product product, Map<ArtifactRole, byte[]> uploads) {
        if (product.kind() == ProductKind.NONOS) {
            if (!uploads.containsKey(ArtifactRole.USER1) || !uploads.containsKey(ArtifactRole.USER2)) {
                throw Rejection.unprocessable("product '" + product.name() + "' is a NONOS product: a release needs both "
                        + "user1 and user2 images (got " + names(uploads) + ")");
            }
            if (uploads.containsKey(ArtifactRole.FILESYSTEM)) {
                throw Rejection.unprocessable("product '" + product.name() + "' is a NONOS product: its layout "
                        + product.layout().id() + " has no file system region, so a release carries no filesystem image");
            }
            if (uploads.containsKey(ArtifactRole.FIRMWARE)) {
                throw Rejection.unprocessable("product '" + product.name() + "' is a NONOS product: upload user1 and user2, "
                        + "not a single firmware image");
            }
        } else {
            int apps = uploads.size() - (uploads.containsKey(ArtifactRole.FILESYSTEM) ? 1 : 0);
            if (!uploads.containsKey(ArtifactRole.FIRMWARE) || apps != 1) {
                throw Rejection.unprocessable("product '" + product.name() + "' (" + product.kind().id()
                        + ") takes exactly one image in the part 'firmware', and optionally a file system image in the "
                        + "part 'filesystem' (got " + names(uploads) + ")");
            }
        }
    }

    private static String names(Map<ArtifactRole, byte[]> uploads) {
        return uploads.isEmpty() ? "none" : String.join(", ", uploads.keySet().stream().map(ArtifactRole::id).toList());
    }

    private static ValidatedImage validateOne(Product product, ArtifactRole role, byte[] bytes) {
        String what = role.id() + " image";
        FirmwareImage image;
        try {
            image = FirmwareImage.parse(bytes);
        } catch (InvalidImageException e) {
            throw Rejection.unprocessable(what + " rejected: " + e.getMessage());
        }
        String imageChip = image.chip().displayName().toLowerCase();
        if (!imageChip.equals(product.chip())) {
            throw Rejection.unprocessable(what + " rejected: it is an " + image.chip().displayName() + " image ("
                    + image.format().description() + ") but product '" + product.name() + "' is for "
                    + product.chip().toUpperCase());
        }
        ImageFormat expected = switch (product.kind()) {
            case ARDUINO -> ImageFormat.ARDUINO_ESP8266;
            case NONOS -> ImageFormat.ESP8266_V2;
            case ESP_IDF -> ImageFormat.ESP32;
        };
        if (image.format() != expected) {
            throw Rejection.unprocessable(what + " rejected: it is a " + image.format().description() + " but product '"
                    + product.name() + "' (" + product.kind().id() + ") needs a " + expected.description()
                    + formatHint(product.kind(), image.format()));
        }
        if (image.flashSizeBytes() > product.flashSize()) {
            throw Rejection.unprocessable(what + " rejected: its header declares " + human(image.flashSizeBytes())
                    + " of flash (size code " + image.flashSizeCode() + ") but product '" + product.name() + "' has "
                    + human(product.flashSize()) + "; a device would not boot it");
        }
        if (bytes.length > product.slotSize()) {
            throw Rejection.unprocessable(what + " rejected: " + bytes.length + " bytes do not fit the update slot of "
                    + product.slotSize() + " bytes (layout " + product.layout().id() + ")");
        }
        return new ValidatedImage(role, bytes, image, null, Digests.sha256Hex(bytes), Digests.md5Hex(bytes),
                installedMd5(image, bytes), installedSha256(image, bytes));
    }

    /**
     * The file system image: a LittleFS or plausible SPIFFS image that fills the product layout's
     * file system region exactly (FilesystemImage: app images, text, erased flash and other sizes
     * are refused by name). Written in place as it is, so what is served is what sits in flash.
     */
    private static ValidatedImage validateFilesystem(Product product, byte[] bytes) {
        FilesystemImage fs;
        try {
            fs = FilesystemImage.parse(bytes, product.layout());
        } catch (InvalidImageException e) {
            throw Rejection.unprocessable("filesystem image rejected: " + e.getMessage());
        }
        String sha = Digests.sha256Hex(bytes);
        String md5 = Digests.md5Hex(bytes);
        return new ValidatedImage(ArtifactRole.FILESYSTEM, bytes, null, fs, sha, md5, md5, sha);
    }

    private static String formatHint(ProductKind kind, ImageFormat got) {
        if (kind == ProductKind.ARDUINO && got == ImageFormat.ESP8266_E9) {
            return " — this image has no eboot bootloader; an Arduino OTA image is the .bin from the build folder "
                    + "(eboot at 0x0, the sketch at 0x1000), and installing an app without eboot would brick the device";
        }
        if (kind == ProductKind.NONOS && got != ImageFormat.ESP8266_V2) {
            return " — NONOS OTA needs the user1.bin/user2.bin built with boot_v1.x (gen_appbin.py app=1 and app=2)";
        }
        return "";
    }

    /**
     * NONOS: user1.bin is linked for the first slot, user2.bin for the second; each device fetches
     * the one for the slot it is not running and boots it at that address. A swapped or foreign
     * pair crashes at boot, so refuse it here.
     */
    private static void checkNonosPair(Product product, ValidatedImage user1, ValidatedImage user2) {
        if (user1.sha256().equals(user2.sha256())) {
            throw Rejection.unprocessable("user1 and user2 are the same image; each must be linked for its own slot "
                    + "(gen_appbin.py app=1 and app=2)");
        }
        long base1 = product.layout().userIromLinkBase(1).orElseThrow();
        long base2 = product.layout().userIromLinkBase(2).orElseThrow();
        OptionalLong link1 = user1.image().iromLinkAddress();
        OptionalLong link2 = user2.image().iromLinkAddress();
        if (link1.isPresent() && link2.isPresent() && link1.getAsLong() == base2 && link2.getAsLong() == base1) {
            throw Rejection.unprocessable("user1 and user2 are swapped: the file given as user1 is linked for slot 2 (irom0 at 0x"
                    + Long.toHexString(base2) + ") and the file given as user2 for slot 1 (0x" + Long.toHexString(base1) + ")");
        }
        checkLink(product, "user1", link1, base1);
        checkLink(product, "user2", link2, base2);
    }

    private static void checkLink(Product product, String role, OptionalLong link, long expected) {
        if (link.isPresent() && link.getAsLong() != expected) {
            throw Rejection.unprocessable(role + " image rejected: it is linked with irom0 at 0x" + Long.toHexString(link.getAsLong())
                    + " but layout " + product.layout().id() + " runs " + role + " with irom0 at 0x" + Long.toHexString(expected));
        }
    }

    /**
     * What ESP32 HTTPUpdate reports as x-ESP32-sketch-sha256 once this image runs: IDF's
     * esp_partition_get_sha256 returns the digest appended to the image (hash_appended=1), which
     * is the SHA-256 of the image up to its checksum — the last 32 bytes of an unsigned image.
     */
    static String installedSha256(FirmwareImage image, byte[] bytes) {
        if (image.sha256Appended() && image.signature().isEmpty() && bytes.length >= 32) {
            return HexFormat.of().formatHex(bytes, bytes.length - 32, bytes.length);
        }
        return Digests.sha256Hex(bytes);
    }

    /** MD5 of the image as it will sit in flash: gzip undone, signature trailer dropped. */
    static String installedMd5(FirmwareImage image, byte[] bytes) {
        int signed = image.signature().map(s -> s.signedLength()).orElse(bytes.length);
        if (!image.gzipped()) {
            return Digests.md5Hex(bytes, 0, signed);
        }
        try (InputStream in = new DigestInputStream(new GZIPInputStream(new ByteArrayInputStream(bytes, 0, signed)),
                MessageDigest.getInstance("MD5"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("gzip image was validated but cannot be decompressed again", e);
        }
    }

    private static String human(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MB" : (bytes >> 10) + " KB";
    }
}
