package org.updraft.core.sign;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes key files. A private key is created with mode 0600 (owner read/write) in the same system
 * call that creates it, where the file system has POSIX permissions, so it is never readable by
 * others, not even briefly; OpenSSL does the same for {@code genpkey -out}. An existing file is
 * replaced only when asked ({@link FileAlreadyExistsException} otherwise).
 */
final class KeyFile {

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private KeyFile() {
    }

    static void write(Path file, String text, boolean secret, boolean overwrite) throws IOException {
        if (overwrite) {
            Files.deleteIfExists(file);
        } else if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "refusing to overwrite an existing key file");
        }
        boolean posix = Files.getFileStore(file.toAbsolutePath().getParent())
                .supportsFileAttributeView("posix");
        if (secret && posix) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        } else {
            Files.createFile(file);
        }
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC)) {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
        }
    }
}
