package org.updraft.device.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import org.updraft.device.flash.NorFlash;

/**
 * The NONOS SDK's power-safe parameter store, as {@code system_param_save_with_protect} uses the
 * three system-parameter sectors: sectors A and B each hold a full copy, sector C a flag naming
 * the valid copy. A save writes the copy that is <em>not</em> in use completely (erase, program),
 * and only then flips the flag (erase C, program C). Boot.bin reads the flag to pick user1/user2.
 *
 * <p>The SDK's byte format is closed source; this model keeps its protocol and adds what makes
 * each step checkable: every copy carries a magic, a sequence number and a CRC-32, the flag a
 * magic and a CRC-32. Reading: a valid flag naming a valid copy wins; when the flag itself is torn
 * or erased (power lost while flipping it) the valid copy with the highest sequence wins; when
 * neither copy is valid the factory default (boot user1) applies.
 *
 * <p>Invariant: whichever operation power is lost at, {@link #read} returns either the parameters
 * before the save or the ones it wrote, never a mix.
 */
final class SystemParameters {
    static final int COPY_MAGIC = 0x55504450; // "PDPU"
    static final int FLAG_MAGIC = 0x55504446; // "FDPU"
    static final int COPY_BYTES = 20;
    static final int FLAG_BYTES = 12;

    /** What the parameters say: which slot boots, which one ran before, and the trial state. */
    record Params(int sequence, int slot, int previous, boolean onTrial, int bootsUsed) {
        static final Params FACTORY = new Params(0, 1, 1, false, 0);

        Params next(int slot, int previous, boolean onTrial, int bootsUsed) {
            return new Params(sequence + 1, slot, previous, onTrial, bootsUsed);
        }
    }

    /** {@code copy} is 0 (A), 1 (B) or -1 when the factory default applies. */
    record Effective(Params params, int copy) {
    }

    private SystemParameters() {
    }

    static Effective read(NorFlash flash, int base) {
        Params a = decode(flash.read(base, COPY_BYTES));
        Params b = decode(flash.read(base + 0x1000, COPY_BYTES));
        int flag = decodeFlag(flash.read(base + 0x2000, FLAG_BYTES));
        if (flag == 0 && a != null) {
            return new Effective(a, 0);
        }
        if (flag == 1 && b != null) {
            return new Effective(b, 1);
        }
        if (a != null && (b == null || Integer.compareUnsigned(a.sequence(), b.sequence()) > 0)) {
            return new Effective(a, 0);
        }
        if (b != null) {
            return new Effective(b, 1);
        }
        return new Effective(Params.FACTORY, -1);
    }

    /** Four flash operations: erase + program the unused copy, erase + program the flag. */
    static void save(NorFlash flash, int base, Params params) {
        Effective current = read(flash, base);
        int target = current.copy() == 0 ? 1 : 0;
        int copyAt = base + target * 0x1000;
        flash.eraseSector(copyAt);
        flash.programPages(copyAt, encode(params));
        flash.eraseSector(base + 0x2000);
        flash.programPages(base + 0x2000, encodeFlag(target));
    }

    static byte[] encode(Params p) {
        ByteBuffer buf = ByteBuffer.allocate(COPY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(COPY_MAGIC).putInt(p.sequence());
        buf.put((byte) p.slot()).put((byte) p.previous()).put((byte) (p.onTrial() ? 1 : 0)).put((byte) p.bootsUsed());
        buf.putInt(0xFFFFFFFF);
        buf.putInt(crc(buf.array(), 16));
        return buf.array();
    }

    static Params decode(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getInt(0) != COPY_MAGIC || buf.getInt(16) != crc(b, 16)) {
            return null;
        }
        int slot = b[8];
        int previous = b[9];
        if ((slot != 1 && slot != 2) || (previous != 1 && previous != 2)) {
            return null;
        }
        return new Params(buf.getInt(4), slot, previous, b[10] == 1, b[11] & 0xFF);
    }

    static byte[] encodeFlag(int copy) {
        ByteBuffer buf = ByteBuffer.allocate(FLAG_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(FLAG_MAGIC).putInt(copy);
        buf.putInt(crc(buf.array(), 8));
        return buf.array();
    }

    /** The copy the flag names, or -1 if the flag sector holds no valid flag. */
    static int decodeFlag(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int copy = buf.getInt(4);
        if (buf.getInt(0) != FLAG_MAGIC || buf.getInt(8) != crc(b, 8) || (copy != 0 && copy != 1)) {
            return -1;
        }
        return copy;
    }

    private static int crc(byte[] b, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, length);
        return (int) crc.getValue();
    }
}
