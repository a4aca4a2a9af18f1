package org.updraft.server.fleet;

import java.time.Instant;
import java.util.List;

/**
 * A registered device as the management API shows it; {@code timeline} is empty in lists.
 *
 * @param checkIns answered check-ins since the device registered (or since the V5 migration)
 * @param timeline the decisions that differed from the device's previous check-in, newest first
 */
public record Device(String mac, String product, String chipId, Long chipSize, Long freeSpace, Long sketchSize,
                     String sdkVersion, String runningVersion, String runningMd5, String runningSha256, String address,
                     Instant firstSeen, Instant lastSeen, String pinnedVersion, String lastOutcome, String lastReason,
                     long checkIns, List<String> tags, List<TimelineEntry> timeline) {

    /** A check-in whose decision differed from the device's previous one; newest first in {@link #timeline()}. */
    public record TimelineEntry(Instant at, String endpoint, String outcome, int status, String reason,
                                String runningVersion, String targetVersion, String address) {
    }
}
