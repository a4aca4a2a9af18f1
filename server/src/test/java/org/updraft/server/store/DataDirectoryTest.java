package org.updraft.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;

/**
 * The data directory is owner-only — 0700 directories, 0600 files, the embedded database's files
 * included — and an upload killed mid-way leaves nothing in the spool after a restart.
 */
class DataDirectoryTest {

    static List<String> notPrivate(Path root) throws Exception {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                String wanted = Files.isDirectory(p) ? "rwx------" : "rw-------";
                if (!mode.equals(wanted)) {
                    wrong.add(root.relativize(p) + " " + mode);
                }
            }
        }
        return wrong;
    }

    @Test
    void everythingInTheDataDirectoryIsOwnerOnlyIncludingTheDatabaseFiles() throws Exception {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", ImageBuilder.arduino().version("1.0.0").build()));
            server.restart();
            assertThat(Files.list(server.dataDir()).map(p -> p.getFileName().toString()).toList()).contains("updraft.db", "updraft.db-wal");
            assertThat(notPrivate(server.dataDir())).isEmpty();
        }
    }

    @Test
    void existingLooseModesAreTightenedAndTheSpoolIsEmptiedOnOpen(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("data");
        Files.createDirectories(root.resolve("uploads").resolve("MultiPart123"));
        Files.write(root.resolve("uploads").resolve("MultiPart456.tmp"), new byte[1000]);
        Files.write(root.resolve("uploads").resolve("MultiPart123").resolve("part"), new byte[10]);
        Files.write(root.resolve("updraft.db"), new byte[10]);
        Files.setPosixFilePermissions(root.resolve("updraft.db"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));

        DataDirectory d = DataDirectory.open(root);

        assertThat(notPrivate(root)).isEmpty();
        try (Stream<Path> spool = Files.list(d.uploads())) {
            assertThat(spool.toList()).isEmpty();
        }
        assertThat(root.resolve("updraft.db")).exists();
    }
}
