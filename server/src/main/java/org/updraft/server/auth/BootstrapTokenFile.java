package org.updraft.server.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The bootstrap admin token's file, {@value #NAME} in the data directory: its secret and a newline,
 * owner-only (0600, in the 0700 data directory). The start that creates the bootstrap token writes
 * it, so that a script on the server's machine finds the token without copying it from the
 * terminal (the CLI reads it when no token is given and the server is on loopback).
 *
 * <p>Invariant: after a start, the file holds an active token or does not exist: every start
 * removes it once its token is no longer valid (revoked). Keeping the secret here is no weaker
 * than the database beside it: whoever can read the data directory can read the database and make
 * an admin token with {@code updraft token reset-admin} anyway (docs/security.md).
 */
public final class BootstrapTokenFile {

    public static final String NAME = "bootstrap-token";

    private BootstrapTokenFile() {
    }

    /** Where the file is (or would be) for this data directory. */
    public static Path in(Path dataDir) {
        return dataDir.toAbsolutePath().normalize().resolve(NAME);
    }

    /** Writes the secret whole or not at all: a 0600 temporary file, then an atomic rename. */
    public static Path write(Path dataDir, String secret) throws IOException {
        Path file = in(dataDir);
        Path tmp = file.resolveSibling(NAME + ".tmp");
        Files.deleteIfExists(tmp);
        if (Files.getFileStore(file.getParent()).supportsFileAttributeView("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(tmp, secret + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** The secret in the file, if the file is there, readable and holds a token ("upd_…"). */
    public static Optional<String> read(Path dataDir) {
        Path file = in(dataDir);
        try {
            String secret = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return secret.startsWith(ApiTokens.PREFIX) && secret.indexOf('\n') < 0 ? Optional.of(secret) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Removes the file when the token in it no longer authenticates; true when it removed it. */
    public static boolean removeIfInvalid(Path dataDir, ApiTokens tokens) throws IOException {
        Path file = in(dataDir);
        if (!Files.exists(file)) {
            return false;
        }
        Optional<String> secret = read(dataDir);
        if (secret.isPresent() && tokens.authenticate("Bearer " + secret.get()) instanceof Authentication.Valid) {
            return false;
        }
        return Files.deleteIfExists(file);
    }
}
