package org.updraft.device.powercut;

/** How one power cut ended, after the device rebooted without faults as often as it would. */
public enum Outcome {
    /** A byte-exact, valid copy of the image that ran before the update boots. */
    OLD,
    /** A byte-exact, valid copy of the update boots. */
    NEW,
    /** Nothing valid boots: the chip needs a serial cable (or boots bytes that are neither image). */
    BRICK
}
