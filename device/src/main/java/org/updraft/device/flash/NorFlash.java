package org.updraft.device.flash;

import java.util.Arrays;

/**
 * An in-memory SPI NOR flash chip as the ESP8266/ESP32 see it.
 *
 * <p>Invariants, as on the real parts (and MCUboot's strict {@code simflash}):
 * <ul>
 *   <li>the size is a multiple of the 4 KiB erase sector; erased cells read {@code 0xFF};</li>
 *   <li>an erase is sector-exact and sets the whole sector to {@code 0xFF};</li>
 *   <li>a program writes within one 256-byte page and can only clear bits: asking for a 1
 *       where the cell holds a 0 is reported as a {@link FlashException} naming the address,
 *       the old and the wanted byte, and nothing is written;</li>
 *   <li>every sector erase and every page program is one <em>flash operation</em>, numbered from
 *       1 since the last {@link #arm(FaultPlan)}; reads are not operations and never fail.</li>
 * </ul>
 *
 * <p>Storage is copy-on-write per sector, so {@link #copy()} of a 4 MB chip is cheap: the
 * power-cut enumeration restores the pristine chip thousands of times.
 */
public final class NorFlash {
    public static final int SECTOR_SIZE = 4096;
    public static final int PAGE_SIZE = 256;
    public static final byte ERASED = (byte) 0xFF;

    private static final byte[] ERASED_SECTOR = filled(SECTOR_SIZE, ERASED);

    private final byte[][] sectors;
    private final boolean[] owned;
    private long reads;
    private long erases;
    private long programs;
    private long operationsSinceArm;
    private FaultPlan plan = FaultPlan.NONE;

    private NorFlash(byte[][] sectors, boolean[] owned) {
        this.sectors = sectors;
        this.owned = owned;
    }

    /** A chip of {@code size} bytes, every byte erased. */
    public static NorFlash erased(int size) {
        if (size <= 0 || size % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException(
                    "flash size must be a positive multiple of " + SECTOR_SIZE + " bytes, was " + size);
        }
        byte[][] sectors = new byte[size / SECTOR_SIZE][];
        Arrays.fill(sectors, ERASED_SECTOR);
        return new NorFlash(sectors, new boolean[sectors.length]);
    }

    /** An independent chip with the same contents, zero counters and no fault plan. */
    public NorFlash copy() {
        Arrays.fill(owned, false); // both chips now share every sector until one of them writes it
        return new NorFlash(sectors.clone(), new boolean[sectors.length]);
    }

    public int size() {
        return sectors.length * SECTOR_SIZE;
    }

    public byte[] read(int address, int length) {
        checkRange(address, length);
        reads++;
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            int at = address + done;
            int inSector = at % SECTOR_SIZE;
            int n = Math.min(length - done, SECTOR_SIZE - inSector);
            System.arraycopy(sectors[at / SECTOR_SIZE], inSector, out, done, n);
            done += n;
        }
        return out;
    }

    public int readU32(int address) {
        byte[] b = read(address, 4);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    /** Erases the 4 KiB sector starting at {@code address}, which must be sector-aligned. */
    public void eraseSector(int address) {
        checkRange(address, SECTOR_SIZE);
        if (address % SECTOR_SIZE != 0) {
            throw new FlashException(String.format("sector erase at 0x%06X is not 4 KiB aligned", address));
        }
        long op = beginOperation();
        int index = address / SECTOR_SIZE;
        String what = String.format("erase sector 0x%06X", address);
        FaultPlan armed = plan;
        if (armed.fires(op)) {
            fire(op, what, () -> store(index, armed.tornErase(sectors[index])), () -> store(index, ERASED_SECTOR));
        }
        store(index, ERASED_SECTOR);
        erases++;
    }

    /** Erases every sector that {@code [address, address+length)} touches; {@code address} must be aligned. */
    public void eraseRange(int address, int length) {
        for (int at = address; at < address + length; at += SECTOR_SIZE) {
            eraseSector(at);
        }
    }

    /**
     * Programs {@code data} at {@code address}; the bytes must lie within one 256-byte page and
     * may only clear bits.
     */
    public void program(int address, byte[] data) {
        checkRange(address, data.length);
        if (data.length == 0) {
            return;
        }
        if (address / PAGE_SIZE != (address + data.length - 1) / PAGE_SIZE) {
            throw new FlashException(String.format(
                    "program of %d bytes at 0x%06X crosses the 256-byte page boundary at 0x%06X",
                    data.length, address, (address / PAGE_SIZE + 1) * PAGE_SIZE));
        }
        byte[] old = read(address, data.length);
        reads--; // the model's own look-up is not a read the code under test made
        for (int i = 0; i < data.length; i++) {
            if ((data[i] & ~old[i]) != 0) {
                throw FlashException.notErased(address + i, old[i], data[i]);
            }
        }
        long op = beginOperation();
        String what = String.format("program %d bytes at 0x%06X", data.length, address);
        FaultPlan armed = plan;
        if (armed.fires(op)) {
            fire(op, what, () -> put(address, armed.tornProgram(old, data)), () -> put(address, data));
        }
        put(address, data);
        programs++;
    }

    /**
     * Programs {@code data} from {@code address} onwards as a sequence of page programs, split
     * at page boundaries (what {@code spi_flash_write} does for a longer buffer).
     */
    public void programPages(int address, byte[] data) {
        int done = 0;
        while (done < data.length) {
            int at = address + done;
            int n = Math.min(data.length - done, PAGE_SIZE - at % PAGE_SIZE);
            program(at, Arrays.copyOfRange(data, done, done + n));
            done += n;
        }
    }

    /** Arms {@code plan}: operation numbers count from 1 again, and the plan fires at most once. */
    public void arm(FaultPlan plan) {
        this.plan = plan;
        this.operationsSinceArm = 0;
    }

    /** Mutating operations (erases + programs) since the last {@link #arm(FaultPlan)}. */
    public long operations() {
        return operationsSinceArm;
    }

    public long reads() {
        return reads;
    }

    public long erases() {
        return erases;
    }

    public long programs() {
        return programs;
    }

    /** The whole chip, as {@code esptool read_flash} would dump it. */
    public byte[] dump() {
        return read(0, size());
    }

    private long beginOperation() {
        return ++operationsSinceArm;
    }

    private void fire(long op, String what, Runnable torn, Runnable applied) {
        CutMode mode = plan.mode();
        plan = FaultPlan.NONE;
        switch (mode) {
            case BEFORE -> { }
            case TORN -> torn.run();
            case AFTER -> applied.run();
        }
        throw new PowerCut(op, mode, what);
    }

    private void store(int index, byte[] contents) {
        if (contents == ERASED_SECTOR) {
            sectors[index] = ERASED_SECTOR;
            owned[index] = false;
        } else {
            sectors[index] = contents.clone();
            owned[index] = true;
        }
    }

    private void put(int address, byte[] data) {
        int index = address / SECTOR_SIZE;
        if (!owned[index]) {
            sectors[index] = sectors[index].clone();
            owned[index] = true;
        }
        System.arraycopy(data, 0, sectors[index], address % SECTOR_SIZE, data.length);
    }

    private void checkRange(int address, int length) {
        if (address < 0 || length < 0 || (long) address + length > size()) {
            throw new FlashException(String.format(
                    "access [0x%06X, 0x%06X) is outside the %d KiB chip", address, (long) address + length, size() / 1024));
        }
    }

    private static byte[] filled(int n, byte value) {
        byte[] b = new byte[n];
        Arrays.fill(b, value);
        return b;
    }
}
