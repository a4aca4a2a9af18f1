package org.updraft.device.fleet;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.FirmwareVersion;

/**
 * The two releases of a fleet run, as core's {@link ImageBuilder} makes them: the one the devices
 * leave the factory with ({@code 1.0.0}) and the one the rollout ships ({@code 1.1.0}).
 *
 * <p>A "bad" new release carries the {@value #CRASH_MARKER} marker in a data segment: the
 * emulated application finds it when it starts and crashes (watchdog reset) before it can confirm
 * itself, exactly like firmware that faults in {@code setup()}. The boot model then decides:
 * NONOS trial boot and IDF rollback revert to the previous image; the Arduino eboot copy cannot.
 *
 * <p>A {@linkplain #mixed mixed} run on {@code arduino-1m} adds a large factory sketch and a
 * stepping stone (docs/rollouts.md, "Stepping stones for small flash").
 *
 * @param parts        version → multipart part name → image ("firmware", or NONOS "user1" and "user2"), oldest first
 * @param factory      the sketch devices leave the factory with
 * @param largeFactory the large sketch some devices of a mixed run leave the factory with; null otherwise
 * @param stoneVersion the stepping stone's version in a mixed run; null otherwise
 */
public record Firmware(DeviceProfile profile, String oldVersion, String newVersion, Map<String, Map<String, byte[]>> parts,
                       byte[] factory, byte[] largeFactory, String stoneVersion) {

    public static final String CRASH_MARKER = "UPDRAFT-CRASH-ON-BOOT";
    static final String OLD = "1.0.0";
    static final String NEW = "1.1.0";
    /** About the size of a small real application; at ~60 KB/s a transfer takes 1-2 s of fleet time. */
    static final int SIZE = 96_000;
    /** The mixed run's large factory sketch: on 1 MB flash it leaves 458,752 bytes for the next one. */
    static final String LARGE = "1.0.1";
    static final int LARGE_SIZE = 500_000;
    /** The mixed run's stepping stone: small, so the new release fits above it. */
    static final String STONE = "1.0.2";
    static final int STONE_SIZE = 60_000;
    /** The mixed run's new release: fits above the small sketch and the stone, not above the large sketch. */
    static final int MIXED_NEW_SIZE = 520_000;

    public static Firmware samples(DeviceProfile profile, boolean newCrashes) {
        Map<String, Map<String, byte[]>> parts = new LinkedHashMap<>();
        parts.put(OLD, build(profile, OLD, 1, false));
        parts.put(NEW, build(profile, NEW, 2, newCrashes));
        byte[] factory = parts.get(OLD).values().iterator().next();
        return new Firmware(profile, OLD, NEW, parts, factory, null, null);
    }

    /**
     * A mixed {@code arduino-1m} fleet's releases, oldest first: {@code 1.0.0} (small, the factory
     * sketch of most devices), {@code 1.0.1} (a large sketch some devices run), {@code 1.0.2} (the
     * stepping stone) and {@code 1.1.0} (the release the rollout ships). On 1 MB flash
     * (FS_start 0xEB000) the new release fits the free space above 1.0.0 and above the stone, but not
     * above 1.0.1: those devices take the stone first.
     */
    public static Firmware mixed(DeviceProfile profile) {
        if (profile != DeviceProfile.ARDUINO_1M) {
            throw new IllegalArgumentException("a mixed fleet with a stepping stone is an arduino-1m fleet, was " + profile.id());
        }
        Map<String, Map<String, byte[]>> parts = new LinkedHashMap<>();
        parts.put(OLD, Map.of("firmware", sketch(OLD, 1, SIZE)));
        parts.put(LARGE, Map.of("firmware", sketch(LARGE, 3, LARGE_SIZE)));
        parts.put(STONE, Map.of("firmware", sketch(STONE, 4, STONE_SIZE)));
        parts.put(NEW, Map.of("firmware", sketch(NEW, 2, MIXED_NEW_SIZE)));
        return new Firmware(profile, OLD, NEW, parts, parts.get(OLD).get("firmware"), parts.get(LARGE).get("firmware"), STONE);
    }

    /** A 1 MB Arduino sketch (size code 2, which the stock client compares with the flash chip). */
    private static byte[] sketch(String version, long seed, int size) {
        return ImageBuilder.arduino().flashSizeCode(2).version(version).payload(seed, size).build();
    }

    private static Map<String, byte[]> build(DeviceProfile profile, String version, long seed, boolean crashes) {
        byte[] crash = Arrays.copyOf(CRASH_MARKER.getBytes(StandardCharsets.US_ASCII), 24);
        Map<String, byte[]> out = new LinkedHashMap<>();
        switch (profile) {
            case NONOS_512K -> {
                for (int slot = 1; slot <= 2; slot++) {
                    ImageBuilder b = ImageBuilder.nonosUser(slot, FlashLayout.NONOS_512K).version(version)
                            .payload(seed * 10 + slot, SIZE);
                    if (crashes) {
                        b.segment(0x3FFE_8800L, crash);
                    }
                    out.put("user" + slot, b.build());
                }
            }
            case ARDUINO_4M -> out.put("firmware", ImageBuilder.arduino().version(version).payload(seed, SIZE).build());
            // Size code 2: 1 MB, which the stock client compares with the flash chip (magicFlashChipSize).
            case ARDUINO_1M -> out.put("firmware", sketch(version, seed, SIZE));
            case ESP32_4M -> {
                ImageBuilder b = ImageBuilder.esp32().appVersion(version).payload(seed, SIZE);
                if (crashes) {
                    b.segment(0x3FFB_0000L, crash);
                }
                out.put("firmware", b.build());
            }
        }
        return out;
    }

    /** Every image a device of this run may legitimately boot, byte for byte. */
    public List<byte[]> valid() {
        return parts.values().stream().flatMap(m -> m.values().stream()).toList();
    }

    /** Whether {@code running} is exactly one of this run's images. */
    public boolean isValid(byte[] running) {
        return valid().stream().anyMatch(v -> Arrays.equals(v, running));
    }

    /** The version of one of this run's images, else null. */
    public String versionOf(byte[] running) {
        for (var e : parts.entrySet()) {
            for (byte[] image : e.getValue().values()) {
                if (Arrays.equals(image, running)) {
                    return e.getKey();
                }
            }
        }
        return FirmwareVersion.of(running).orElse(null);
    }

    /** The emulated application's start-up: does this image fault before it can do anything? */
    public static boolean crashesOnBoot(byte[] image) {
        byte[] marker = CRASH_MARKER.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + marker.length <= image.length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (image[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
