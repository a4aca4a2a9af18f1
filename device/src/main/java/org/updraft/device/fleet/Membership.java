package org.updraft.device.fleet;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Set;

/**
 * Which wave a device belongs to, by the server's rule (docs/rollouts.md, waves): wave membership is a
 * deterministic hash of (device, rollout), so it runs identically on every server instance —
 * the first tag wave whose tag the device carries; else the first percentage wave above the
 * device's bucket, where bucket = first 8 bytes of SHA-256("rollout id/MAC") as 53 bits, scaled
 * to [0, 100). The report uses it only to group attempts per wave, and checks its counts against
 * the server's per-wave members before trusting it.
 */
final class Membership {
    private Membership() {
    }

    /** The index into {@code labels} ("canary", "1%", "10%", …), or -1 when no wave includes the device. */
    static int wave(long rolloutId, String mac, Set<String> tags, List<String> labels) {
        for (int i = 0; i < labels.size(); i++) {
            if (!labels.get(i).endsWith("%") && tags.contains(labels.get(i))) {
                return i;
            }
        }
        double bucket = bucket(rolloutId, mac);
        for (int i = 0; i < labels.size(); i++) {
            String l = labels.get(i);
            if (l.endsWith("%") && bucket < Double.parseDouble(l.substring(0, l.length() - 1))) {
                return i;
            }
        }
        return -1;
    }

    static double bucket(long rolloutId, String mac) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((rolloutId + "/" + mac).getBytes(StandardCharsets.US_ASCII));
            long v = ByteBuffer.wrap(h, 0, 8).getLong() >>> 11;
            return v * 100.0 / (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
