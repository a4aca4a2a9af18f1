package org.updraft.device.powercut;

import java.util.List;

/**
 * One line of the report: a profile, a scenario, the flash operations N of its clean run, and
 * what the first cuts (BEFORE, TORN, AFTER at each operation; more than 3·N with several torn
 * patterns, fewer when sampled) and the second cuts after them led to.
 *
 * @param brickPoints each brick as {@code MODE@operation} (TORN pattern k &gt; 0: {@code #k}), in
 *     enumeration order
 * @param failedFollowUps cut points after which the next clean update did not complete
 * @param secondCuts cuts during the recovery boots and the retried update, after a first cut
 * @param secondBrickPoints those that bricked, as {@code FIRST>recovery:SECOND} or {@code FIRST>retry:SECOND}
 */
public record Row(String profile, String scenario, int operations, int cuts, int old, int updated, int bricks,
                  List<String> brickPoints, List<String> failedFollowUps, int secondCuts,
                  List<String> secondBrickPoints) {
    public Row {
        brickPoints = List.copyOf(brickPoints);
        failedFollowUps = List.copyOf(failedFollowUps);
        secondBrickPoints = List.copyOf(secondBrickPoints);
    }

    public int secondBricks() {
        return secondBrickPoints.size();
    }
}
