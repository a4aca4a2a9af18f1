package org.updraft.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.testsupport.FilesystemImages;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.ReleaseManifest;
import org.updraft.core.sign.SigningKey;
import org.updraft.core.version.Version;
import org.updraft.server.artifact.Digests;
import org.updraft.server.catalog.Catalog.ProductSpec;
import org.updraft.server.problem.Rejection;

/**
 * The intake pipeline on its own: real images (built by {@link ImageBuilder}, signed with real
 * keys), no database and no clock. Each rule group refuses with its exact message and status, and
 * the rules run in the order {@link ReleaseIntake} documents: the first that fails answers.
 */
class ReleaseIntakeTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Instant FUTURE = NOW.plusSeconds(30 * 86_400);
    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(61, 8_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(62, 8_200).build();
    static final byte[] USER1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(63, 6_000).build();
    static final byte[] USER2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(64, 6_000).build();
    static final SigningKey RSA = KeyAlgorithm.RSA_2048.generate();
    static final SigningKey OTHER_RSA = KeyAlgorithm.RSA_2048.generate();
    static final SigningKey MANIFEST_KEY = KeyAlgorithm.ED25519.generate();

    static final Product RELAY = ProductCheck.check(new ProductSpec("relay", null, null, "arduino-4m", null, null, null),
            List.of(), NOW);
    static final Product WIFI = ProductCheck.check(new ProductSpec("wifi", null, null, "nonos-512k", null, null, null),
            List.of(), NOW);
    static final Product SIGNED_RELAY = RELAY.withPolicies(SigningPolicy.REQUIRED, Enrollment.OPEN);

    static TrustedKey trusted(SigningKey key) {
        return TrustedKey.of(key.verifyingKey(), NOW);
    }

    static Release release(String version, long counter) {
        return new Release(7, RELAY.id(), Version.parse(version), null, false, false, NOW, Map.of(), counter, null, null);
    }

    static Map<ArtifactRole, byte[]> firmware(byte[] image) {
        return Map.of(ArtifactRole.FIRMWARE, image);
    }

    static ReleaseUpload upload(String version, Map<ArtifactRole, byte[]> images) {
        return new ReleaseUpload(version, null, false, false, images, null);
    }

    static String manifest(String product, String version, byte[] firmware, long counter, Instant expires) {
        return ReleaseManifest.create(product, version, List.of(ReleaseManifest.Artifact.of("firmware", firmware)), counter,
                expires, MANIFEST_KEY).text();
    }

    static AcceptedRelease admit(Product product, List<Release> releases, List<TrustedKey> keys, ReleaseUpload upload) {
        return ReleaseIntake.admit(product, releases, keys, upload, NOW);
    }

    /** The refusal {@code admit} throws; fails the test when it accepts. */
    static Rejection refusal(Product product, List<Release> releases, List<TrustedKey> keys, ReleaseUpload upload) {
        Rejection r = catchThrowableOfType(Rejection.class, () -> admit(product, releases, keys, upload));
        assertThat(r).as("expected a refusal").isNotNull();
        return r;
    }

    static void assertRefused(Rejection r, int status, String message) {
        assertThat(r.getMessage()).isEqualTo(message);
        assertThat(r.status()).isEqualTo(status);
    }

    @Test
    void anUnsignedImageWithoutManifestIsAcceptedWithItsDigests() {
        AcceptedRelease a = admit(RELAY, List.of(), List.of(), new ReleaseUpload("1.0.0", "first", false, true, firmware(V1), null));

        assertThat(a.product()).isEqualTo(RELAY);
        assertThat(a.version()).isEqualTo(Version.parse("1.0.0"));
        assertThat(a.notes()).isEqualTo("first");
        assertThat(a.held()).isTrue();
        assertThat(a.downgrade()).isFalse();
        assertThat(a.securityCounter()).isZero();
        assertThat(a.signer()).isNull();
        assertThat(a.manifest()).isNull();
        assertThat(a.images()).containsOnlyKeys(ArtifactRole.FIRMWARE);
        var image = a.images().get(ArtifactRole.FIRMWARE);
        assertThat(image.bytes()).isEqualTo(V1);
        assertThat(image.sha256()).isEqualTo(Digests.sha256Hex(V1));
        assertThat(image.md5()).isEqualTo(Digests.md5Hex(V1));
        assertThat(image.installedMd5()).isEqualTo(Digests.md5Hex(V1));
    }

    @Nested
    class Versions {

        @Test
        void aMissingVersionIsRefused() {
            assertRefused(refusal(RELAY, List.of(), List.of(), upload(null, firmware(V1))), 400,
                    "version is required (e.g. 1.2.0 or 2)");
            assertRefused(refusal(RELAY, List.of(), List.of(), upload("  ", firmware(V1))), 400,
                    "version is required (e.g. 1.2.0 or 2)");
        }

        @Test
        void anInvalidVersionIsRefusedWithTheParsersReason() {
            String reason = catchThrowableOfType(IllegalArgumentException.class, () -> Version.parse("1.0\u0007")).getMessage();

            assertRefused(refusal(RELAY, List.of(), List.of(), upload("1.0\u0007", firmware(V1))), 400,
                    "version '1.0?' is not valid: " + reason);
        }

        @Test
        void notesLongerThan2000CharactersAreRefused() {
            ReleaseUpload u = new ReleaseUpload("1.0.0", "n".repeat(2001), false, false, firmware(V1), null);

            assertRefused(refusal(RELAY, List.of(), List.of(), u), 400, "notes are 2001 characters; at most 2000 are kept");
            assertThat(admit(RELAY, List.of(), List.of(), new ReleaseUpload("1.0.0", "n".repeat(2000), false, false,
                    firmware(V1), null)).notes()).hasSize(2000);
        }

        @Test
        void aVersionTheProductHasIsRefused() {
            assertRefused(refusal(RELAY, List.of(release("1.0.0", 0)), List.of(), upload("1.0.0", firmware(V2))), 409,
                    "product 'relay' already has release 1.0.0; releases are immutable, upload a new version");
        }

        @Test
        void aLowerVersionIsRefusedUnlessMarkedAsADowngrade() {
            List<Release> releases = List.of(release("1.0.0", 0));

            assertRefused(refusal(RELAY, releases, List.of(), upload("0.9", firmware(V2))), 409,
                    "version 0.9 is lower than the newest release 1.0.0 of 'relay'; devices never move to a lower version "
                            + "unless the release is marked as a downgrade (downgrade=true)");
            assertThat(admit(RELAY, releases, List.of(), new ReleaseUpload("0.9", null, true, false, firmware(V2), null))
                    .downgrade()).isTrue();
        }
    }

    @Nested
    class Images {

        @Test
        void anEsp32ImageForAnEsp8266ProductIsRefused() {
            assertRefused(refusal(RELAY, List.of(), List.of(), upload("1.0.0", firmware(ImageBuilder.esp32().build()))), 422,
                    "firmware image rejected: it is an ESP32 image (ESP32 application image) but product 'relay' is for ESP8266");
        }

        @Test
        void aFileThatIsNoImageIsRefused() {
            byte[] text = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            String reason = catchThrowableOfType(org.updraft.core.image.InvalidImageException.class,
                    () -> org.updraft.core.image.FirmwareImage.parse(text)).getMessage();

            assertThat(reason).startsWith("not a firmware image");
            assertRefused(refusal(RELAY, List.of(), List.of(), upload("1.0.0", firmware(text))), 422,
                    "firmware image rejected: " + reason);
        }

        @Test
        void anImageLargerThanTheSlotIsRefused() {
            Product tiny = ProductCheck.check(new ProductSpec("tiny", null, null, "arduino-4m", 6_000L, null, null), List.of(), NOW);

            assertRefused(refusal(tiny, List.of(), List.of(), upload("1.0.0", firmware(V1))), 422,
                    "firmware image rejected: " + V1.length + " bytes do not fit the update slot of 6000 bytes (layout arduino-4m)");
        }

        @Test
        void aNonosReleaseNeedsBothImages() {
            assertRefused(refusal(WIFI, List.of(), List.of(), upload("1", Map.of(ArtifactRole.USER1, USER1))), 422,
                    "product 'wifi' is a NONOS product: a release needs both user1 and user2 images (got user1)");
        }

        @Test
        void aSwappedNonosPairIsRefused() {
            Map<ArtifactRole, byte[]> swapped = new EnumMap<>(ArtifactRole.class);
            swapped.put(ArtifactRole.USER1, USER2);
            swapped.put(ArtifactRole.USER2, USER1);

            assertRefused(refusal(WIFI, List.of(), List.of(), upload("1", swapped)), 422,
                    "user1 and user2 are swapped: the file given as user1 is linked for slot 2 (irom0 at 0x40241010) and the "
                            + "file given as user2 for slot 1 (0x40201010)");
        }

        @Test
        void aNonosPairIsAccepted() {
            AcceptedRelease a = admit(WIFI, List.of(), List.of(), upload("1", Map.of(ArtifactRole.USER1, USER1, ArtifactRole.USER2, USER2)));

            assertThat(a.images()).containsOnlyKeys(ArtifactRole.USER1, ArtifactRole.USER2);
            assertThat(a.images().get(ArtifactRole.USER2).bytes()).isEqualTo(USER2);
        }
    }

    @Nested
    class Signatures {

        @Test
        void anImageSignedByATrustedKeyNamesItsSigner() {
            AcceptedRelease a = admit(SIGNED_RELAY, List.of(), List.of(trusted(RSA)), upload("1.0.0",
                    firmware(ArduinoSignature.sign(V1, RSA))));

            assertThat(a.signer()).isEqualTo(RSA.fingerprint());
            assertThat(a.images().get(ArtifactRole.FIRMWARE).installedMd5()).isEqualTo(Digests.md5Hex(V1));
        }

        @Test
        void anUnsignedImageIsRefusedWhenTheProductRequiresSignatures() {
            assertRefused(refusal(SIGNED_RELAY, List.of(), List.of(trusted(RSA)), upload("1.0.0", firmware(V1))), 422,
                    "firmware image rejected: no signature trailer: product 'relay' requires images signed with one of its "
                            + "trusted keys (" + RSA.verifyingKey() + "); sign the image (updraft sign, or the Arduino IDE's "
                            + "signing.py) and upload the signed .bin");
        }

        @Test
        void anImageSignedByAnotherKeyIsRefusedWhenRequiredAndUnattributedOtherwise() {
            byte[] signed = ArduinoSignature.sign(V1, OTHER_RSA);
            String reason = ((org.updraft.core.sign.Verification.Invalid) ArduinoSignature.verifyAsEsp8266(signed,
                    RSA.verifyingKey())).reason();

            assertRefused(refusal(SIGNED_RELAY, List.of(), List.of(trusted(RSA)), upload("1.0.0", firmware(signed))), 422,
                    "firmware image rejected: untrusted key: the image is signed, but not by a key product 'relay' trusts ("
                            + RSA.verifyingKey() + ") — " + reason + "; add the signer's public key (POST /api/v1/products/"
                            + "relay/keys) or sign with a trusted key");
            assertThat(admit(RELAY, List.of(), List.of(trusted(RSA)), upload("1.0.0", firmware(signed))).signer()).isNull();
        }

        @Test
        void aTrustedSignatureOverOtherBytesIsRefusedWhateverThePolicy() {
            byte[] signedV1 = ArduinoSignature.sign(V1, RSA);
            byte[] transplanted = java.util.Arrays.copyOf(V2, V2.length + signedV1.length - V1.length);
            System.arraycopy(signedV1, V1.length, transplanted, V2.length, signedV1.length - V1.length);
            String message = "firmware image rejected: bad signature: trusted key " + RSA.fingerprint() + " made the signature, "
                    + "but it does not verify: the image bytes changed after signing (the SHA-256 inside the signature is not "
                    + "the image's)";

            assertRefused(refusal(SIGNED_RELAY, List.of(), List.of(trusted(RSA)), upload("2.0.0", firmware(transplanted))), 422,
                    message);
            assertRefused(refusal(RELAY, List.of(), List.of(trusted(RSA)), upload("2.0.0", firmware(transplanted))), 422,
                    message);
        }
    }

    @Nested
    class Manifests {

        @Test
        void aManifestOfAReleaseWithAFileSystemListsItTooAndTheFileSystemNeedsNoSignature() {
            byte[] fs = FilesystemImages.littlefs(0x1FA000, 8192, 5);
            byte[] signedV1 = ArduinoSignature.sign(V1, RSA);
            Map<ArtifactRole, byte[]> images = Map.of(ArtifactRole.FIRMWARE, signedV1, ArtifactRole.FILESYSTEM, fs);
            String both = ReleaseManifest.create("relay", "1.0.0", List.of(ReleaseManifest.Artifact.of("firmware", signedV1),
                    ReleaseManifest.Artifact.of("filesystem", fs)), 2, FUTURE, MANIFEST_KEY).text();

            AcceptedRelease a = admit(SIGNED_RELAY, List.of(), List.of(trusted(RSA), trusted(MANIFEST_KEY)),
                    new ReleaseUpload("1.0.0", null, false, false, images, both));

            assertThat(a.images().get(ArtifactRole.FILESYSTEM).filesystem().kind())
                    .isEqualTo(org.updraft.core.image.FilesystemImage.Kind.LITTLEFS);
            assertThat(a.securityCounter()).isEqualTo(2);

            String appOnly = ReleaseManifest.create("relay", "1.0.0", List.of(ReleaseManifest.Artifact.of("firmware", signedV1)),
                    2, FUTURE, MANIFEST_KEY).text();
            assertRefused(refusal(SIGNED_RELAY, List.of(), List.of(trusted(RSA), trusted(MANIFEST_KEY)),
                    new ReleaseUpload("1.0.0", null, false, false, images, appOnly)), 422,
                    "manifest rejected: it lists the artifacts [firmware], but this upload has [firmware, fs]");
        }

        @Test
        void aValidManifestGivesTheReleaseItsCounterAndText() {
            String text = manifest("relay", "1.0.0", V1, 4, FUTURE);

            AcceptedRelease a = admit(RELAY, List.of(), List.of(trusted(MANIFEST_KEY)),
                    new ReleaseUpload("1.0.0", null, false, false, firmware(V1), text));

            assertThat(a.securityCounter()).isEqualTo(4);
            assertThat(a.manifest()).isEqualTo(ReleaseManifest.parse(text).text());
        }

        @Test
        void aManifestWithoutAManifestKeyIsRefused() {
            String text = manifest("relay", "1.0.0", V1, 4, FUTURE);

            assertRefused(refusal(RELAY, List.of(), List.of(trusted(RSA)), new ReleaseUpload("1.0.0", null, false, false,
                    firmware(V1), text)), 422, "manifest rejected: product 'relay' has no Ed25519 manifest key to check it "
                    + "with (manifest key-id " + ReleaseManifest.parse(text).keyId() + "); add the public key with "
                    + "POST /api/v1/products/relay/keys");
        }

        @Test
        void aManifestForAnotherProductVersionOrImageIsRefused() {
            List<TrustedKey> keys = List.of(trusted(MANIFEST_KEY));

            assertRefused(refusal(RELAY, List.of(), keys, new ReleaseUpload("1.0.0", null, false, false, firmware(V1),
                    manifest("lamp", "1.0.0", V1, 1, FUTURE))), 422,
                    "manifest rejected: it is for product 'lamp', but this upload is for 'relay'");
            assertRefused(refusal(RELAY, List.of(), keys, new ReleaseUpload("1.0.0", null, false, false, firmware(V1),
                    manifest("relay", "2.0.0", V1, 1, FUTURE))), 422,
                    "manifest rejected: it is for version 2.0.0, but this upload is version 1.0.0");
            assertRefused(refusal(RELAY, List.of(), keys, new ReleaseUpload("1.0.0", null, false, false, firmware(V1),
                    manifest("relay", "1.0.0", V2, 1, FUTURE))), 422,
                    "manifest rejected: artifact firmware: the manifest says sha256 " + Digests.sha256Hex(V2) + " and "
                            + V2.length + " bytes, but the uploaded firmware image has sha256 " + Digests.sha256Hex(V1) + " and "
                            + V1.length + " bytes");
        }

        @Test
        void anExpiredManifestIsRefused() {
            Instant past = NOW.minusSeconds(60);

            assertRefused(refusal(RELAY, List.of(), List.of(trusted(MANIFEST_KEY)), new ReleaseUpload("1.0.0", null, false,
                    false, firmware(V1), manifest("relay", "1.0.0", V1, 1, past))), 422,
                    "manifest rejected: expired at " + past + " (now " + NOW + ")");
        }

        @Test
        void aManifestLongerThan4000CharactersIsRefused() {
            assertRefused(refusal(RELAY, List.of(), List.of(trusted(MANIFEST_KEY)), new ReleaseUpload("1.0.0", null, false,
                    false, firmware(V1), "x".repeat(4001))), 422, "manifest rejected: 4001 characters; a manifest is at most 4000");
        }
    }

    @Nested
    class Counters {

        @Test
        void aCounterBelowTheProductsHighestIsRefusedUnlessADowngrade() {
            List<Release> releases = List.of(release("1.0.0", 3));

            assertRefused(refusal(RELAY, releases, List.of(), upload("2.0.0", firmware(V2))), 409,
                    "security counter 0 (a release without a manifest) is lower than 3 of release 1.0.0; a device that ran "
                            + "that release never accepts it — raise the counter, or mark the release as a downgrade "
                            + "(downgrade=true) to keep it for devices below that counter");
            assertRefused(refusal(RELAY, releases, List.of(trusted(MANIFEST_KEY)), new ReleaseUpload("2.0.0", null, false, false,
                    firmware(V2), manifest("relay", "2.0.0", V2, 2, FUTURE))), 409,
                    "security counter 2 is lower than 3 of release 1.0.0; a device that ran that release never accepts it — "
                            + "raise the counter, or mark the release as a downgrade (downgrade=true) to keep it for devices "
                            + "below that counter");
            assertThat(admit(RELAY, releases, List.of(), new ReleaseUpload("2.0.0", null, true, false, firmware(V2), null))
                    .securityCounter()).isZero();
        }

        @Test
        void anEqualOrHigherCounterIsAccepted() {
            List<Release> releases = List.of(release("1.0.0", 3));

            assertThat(admit(RELAY, releases, List.of(trusted(MANIFEST_KEY)), new ReleaseUpload("2.0.0", null, false, false,
                    firmware(V2), manifest("relay", "2.0.0", V2, 3, FUTURE))).securityCounter()).isEqualTo(3);
        }
    }

    /** Each pair breaks two rules; the one earlier in the documented order answers. */
    @Nested
    class Order {

        @Test
        void theVersionIsCheckedBeforeTheImage() {
            assertRefused(refusal(RELAY, List.of(), List.of(), upload(null, firmware("junk".getBytes()))), 400,
                    "version is required (e.g. 1.2.0 or 2)");
        }

        @Test
        void aDuplicateVersionIsRefusedBeforeTheImageIsRead() {
            assertRefused(refusal(RELAY, List.of(release("1.0.0", 0)), List.of(), upload("1.0.0", firmware("junk".getBytes()))),
                    409, "product 'relay' already has release 1.0.0; releases are immutable, upload a new version");
        }

        @Test
        void theImageIsCheckedBeforeItsSignature() {
            assertRefused(refusal(SIGNED_RELAY, List.of(), List.of(trusted(RSA)), upload("1.0.0",
                    firmware(ImageBuilder.esp32().build()))), 422,
                    "firmware image rejected: it is an ESP32 image (ESP32 application image) but product 'relay' is for ESP8266");
        }

        @Test
        void theSignatureIsCheckedBeforeTheManifest() {
            assertRefused(refusal(SIGNED_RELAY, List.of(), List.of(trusted(RSA)), new ReleaseUpload("1.0.0", null, false, false,
                    firmware(V1), "not a manifest")), 422,
                    "firmware image rejected: no signature trailer: product 'relay' requires images signed with one of its "
                            + "trusted keys (" + RSA.verifyingKey() + "); sign the image (updraft sign, or the Arduino IDE's "
                            + "signing.py) and upload the signed .bin");
        }

        @Test
        void theManifestIsCheckedBeforeTheCounter() {
            assertRefused(refusal(RELAY, List.of(release("1.0.0", 3)), List.of(trusted(MANIFEST_KEY)), new ReleaseUpload("2.0.0",
                    null, false, false, firmware(V2), manifest("relay", "2.0.0", V1, 1, FUTURE))), 422,
                    "manifest rejected: artifact firmware: the manifest says sha256 " + Digests.sha256Hex(V1) + " and "
                            + V1.length + " bytes, but the uploaded firmware image has sha256 " + Digests.sha256Hex(V2) + " and "
                            + V2.length + " bytes");
        }
    }
}
