package org.updraft.device.powercut;

import java.util.List;

/**
 * One line of the report: a profile, a scenario, the flash operations N of its clean run, and
 * what the 3·N cuts (BEFORE, TORN, AFTER at each operation) led to.
 *
 * @param brickPoints each brick as {@code MODE@operation}, in enumeration order
 * @param failedFollowUps cut points after which the next clean update did not complete
 */
public record Row(String profile, String scenario, int operations, int cuts, int old, int updated, int bricks,
                  List<String> brickPoints, List<String> failedFollowUps) {
    public Row {
        brickPoints = List.copyOf(brickPoints);
        failedFollowUps = List.copyOf(failedFollowUps);
    }
}
