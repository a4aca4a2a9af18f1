package org.updraft.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A real, small file system (Linux tmpfs) for tests of a full disk: {@link #fill} takes its space
 * with a file, deleting that file gives it back. The tests run as root on Linux (mount needs it);
 * anything else fails with the reason, never skips.
 */
public final class Tmpfs implements AutoCloseable {

    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code bytes} on a new temp directory. */
    public static Tmpfs mount(long bytes) {
        try {
            Path dir = Files.createTempDirectory("updraft-tmpfs");
            run(List.of("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0700", "tmpfs", dir.toString()));
            return new Tmpfs(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path path() {
        return dir;
    }

    public long usable() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /** Writes a file that leaves at most {@code leaveBytes} usable; deleting it gives the space back. */
    public Path fill(String name, long leaveBytes) throws IOException {
        Path f = dir.resolve(name);
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (usable() > leaveBytes) {
                chunk.clear();
                chunk.limit((int) Math.min(chunk.capacity(), usable() - leaveBytes));
                ch.write(chunk);
            }
        }
        return f;
    }

    /** Fills the file system completely (a write ends in "No space left on device"). */
    public Path fillUp(String name) throws IOException {
        Path f = dir.resolve(name);
        byte[] chunk = new byte[64 * 1024];
        try (var out = Files.newOutputStream(f)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException e) {
            if (!e.getMessage().contains("No space left on device")) {
                throw e;
            }
        }
        return f;
    }

    @Override
    public void close() {
        try {
            run(List.of("umount", dir.toString()));
        } catch (IllegalStateException busy) {
            run(List.of("umount", "-l", dir.toString()));
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temp directory; best effort
        }
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (these tests need root on Linux): " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
