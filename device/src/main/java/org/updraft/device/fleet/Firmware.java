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
 * @param parts version → multipart part name → image ("firmware", or NONOS "user1" and "user2")
 */
public record Firmware(DeviceProfile profile, String oldVersion, String newVersion, Map<String, Map<String, byte[]>> parts,
                       byte[] factory) {

    public static final String CRASH_MARKER = "UPDRAFT-CRASH-ON-BOOT";
    static final String OLD = "1.0.0";
    static final String NEW = "1.1.0";
    /** About the size of a small real application; at ~60 KB/s a transfer takes 1-2 s of fleet time. */
    static final int SIZE = 96_000;

    public static Firmware samples(DeviceProfile profile, boolean newCrashes) {
        Map<String, Map<String, byte[]>> parts = new LinkedHashMap<>();
        parts.put(OLD, build(profile, OLD, 1, false));
        parts.put(NEW, build(profile, NEW, 2, newCrashes));
        byte[] factory = parts.get(OLD).values().iterator().next();
        return new Firmware(profile, OLD, NEW, parts, factory);
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
            case ARDUINO_1M -> out.put("firmware", ImageBuilder.arduino().flashSizeCode(2).version(version).payload(seed, SIZE).build());
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
