package org.updraft.server.fleet;

import java.time.Instant;
import java.util.List;

/** A registered device as the management API shows it; {@code timeline} is empty in lists. */
public record Device(String mac, String product, String chipId, Long chipSize, Long freeSpace, Long sketchSize,
                     String sdkVersion, String runningVersion, String runningMd5, String runningSha256, String address,
                     Instant firstSeen, Instant lastSeen, String pinnedVersion, String lastOutcome, String lastReason,
                     List<String> tags, List<TimelineEntry> timeline) {

    /** One check-in of the device, newest first in {@link #timeline()}. */
    public record TimelineEntry(Instant at, String endpoint, String outcome, int status, String reason,
                                String runningVersion, String targetVersion, String address) {
    }
}
