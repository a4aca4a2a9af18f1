package org.updraft.device.flash;

import java.util.Random;

/**
 * When and how a {@link NorFlash} loses power: at mutating flash operation {@code operation}
 * (1-based, counted from the moment the plan is armed), in mode {@code mode}. Torn outcomes are
 * drawn from a {@link Random} seeded with {@code seed} and the operation number, so the same
 * plan always tears the same bytes, and another seed (the power-cut enumeration derives one per
 * run seed and torn variant) tears others.
 *
 * <p>Invariant: a plan fires at most once; {@link #NONE} never fires.
 */
public record FaultPlan(long operation, CutMode mode, long seed) {

    /** Never cuts the power. */
    public static final FaultPlan NONE = new FaultPlan(0, CutMode.BEFORE, 0);

    public FaultPlan {
        if (operation < 0) {
            throw new IllegalArgumentException("operation must be >= 1 (or 0 for none), was " + operation);
        }
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
    }

    public static FaultPlan cutAt(long operation, CutMode mode, long seed) {
        if (operation < 1) {
            throw new IllegalArgumentException("flash operations are counted from 1, was " + operation);
        }
        return new FaultPlan(operation, mode, seed);
    }

    public boolean fires(long operationNumber) {
        return operation != 0 && operationNumber == operation;
    }

    /**
     * What a page program leaves behind when torn, one of three patterns: a prefix of the bytes
     * landed (the part was programming them in order); an arbitrary subset of the bits that were
     * to be cleared got cleared, in every byte; or the page was being written in 32-bit words (as
     * the ESP SPI flash driver hands them over): the words before the one in flight landed, the one
     * in flight has a random subset of its bits cleared, the rest nothing. Either way every
     * resulting byte lies between old and old&amp;new.
     */
    byte[] tornProgram(byte[] old, byte[] wanted) {
        Random random = random();
        byte[] result = old.clone();
        switch (random.nextInt(3)) {
            case 0 -> {
                int landed = random.nextInt(wanted.length);
                for (int i = 0; i < landed; i++) {
                    result[i] = (byte) (old[i] & wanted[i]);
                }
            }
            case 1 -> {
                for (int i = 0; i < wanted.length; i++) {
                    int clearedBits = ~wanted[i] & 0xFF;
                    int landed = clearedBits & random.nextInt(256);
                    result[i] = (byte) (old[i] & ~landed);
                }
            }
            default -> {
                int inFlight = random.nextInt((wanted.length + 3) / 4) * 4;
                for (int i = 0; i < Math.min(wanted.length, inFlight + 4); i++) {
                    int landed = i < inFlight ? 0xFF : random.nextInt(256);
                    result[i] = (byte) (old[i] & ~(~wanted[i] & landed));
                }
            }
        }
        return result;
    }

    /**
     * What a sector erase leaves behind when torn: a mix of bytes already erased (0xFF), bytes
     * not yet touched, and bytes with only some bits back to 1.
     */
    byte[] tornErase(byte[] old) {
        Random random = random();
        byte[] result = old.clone();
        for (int i = 0; i < result.length; i++) {
            switch (random.nextInt(3)) {
                case 0 -> result[i] = (byte) 0xFF;
                case 1 -> { }
                default -> result[i] = (byte) (old[i] | random.nextInt(256));
            }
        }
        return result;
    }

    private Random random() {
        return new Random(seed * 0x9E3779B97F4A7C15L + operation);
    }
}
