package org.updraft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.updraft.server.audit.Verification;
import org.updraft.server.backup.DatabaseExport;
import org.updraft.server.backup.DatabaseImport;
import org.updraft.server.backup.Manifest;
import org.updraft.server.backup.OnlineBackup;
import org.updraft.server.store.DataDirectory;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code updraft db export|import|backup}: the whole database to a file and back, on this machine (docs/backup.md). */
@Command(name = "db", mixinStandardHelpOptions = true,
        description = "Export a whole database to a portable file, import one into an empty database, back up a running server.",
        subcommands = {DbCommand.Export.class, DbCommand.Import.class, DbCommand.Backup.class})
final class DbCommand {

    /** Which database: --db, else the embedded SQLite file in --data-dir. */
    static final class Target {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:UPDRAFT_DATA_DIR:-updraft-data}",
                description = "The data directory whose embedded database is meant (default: $UPDRAFT_DATA_DIR, else ./updraft-data).")
        Path dataDir;

        @Option(names = "--db", paramLabel = "JDBC-URL", description = "A PostgreSQL database instead, e.g. jdbc:postgresql://localhost:5432/updraft?user=u.")
        String jdbcUrl;

        String url() {
            return jdbcUrl != null ? jdbcUrl : EmbeddedDatabase.url(dataDir);
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write every table, artifact bytes included, to a new portable file (zip of JSON lines and a manifest).",
                    "Safe while the server runs: one consistent snapshot is read."})
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Target from;

        @Option(names = "--to", required = true, paramLabel = "FILE", description = "The export file to create (must not exist).")
        Path to;

        @Override
        public Integer call() throws Exception {
            if (from.jdbcUrl == null && !java.nio.file.Files.isRegularFile(from.dataDir.resolve(EmbeddedDatabase.FILE))) {
                throw new CommandFailure("no embedded database in " + from.dataDir + "; give --data-dir DIR of a server, or --db URL");
            }
            Manifest m;
            try {
                m = DatabaseExport.export(from.url(), to, Clock.systemUTC());
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("Exported " + m.rows() + " rows of " + m.tables().size() + " tables (schema " + m.schemaVersion() + ", " + m.engine()
                    + ") to " + to + ".");
            out.println(auditLine(m));
            out.flush();
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Load an export file into a new, empty database of either engine (SQLite to PostgreSQL, or for an upgrade).",
                    "Refused when the target holds any row. Row counts and the audit chain are checked afterwards."})
    static final class Import implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Target into;

        @Option(names = "--from", required = true, paramLabel = "FILE", description = "The export file ('updraft db export').")
        Path from;

        @Override
        public Integer call() throws Exception {
            if (!java.nio.file.Files.isRegularFile(from)) {
                throw new CommandFailure("no export file " + from);
            }
            if (into.jdbcUrl == null) {
                DataDirectory.open(into.dataDir);
                EmbeddedDatabase.prepare(into.dataDir, true);
            }
            DatabaseImport.Result r;
            try (Database db = Database.open(into.url())) {
                r = DatabaseImport.importInto(from, db);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new CommandFailure(e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            Manifest m = r.manifest();
            out.println("Imported " + m.rows() + " rows of " + m.tables().size() + " tables from " + from + " (exported from " + m.engine()
                    + " at " + m.exportedAt() + "); every table's row count matches the manifest.");
            out.println(r.audit() instanceof Verification.Intact i && i.entries() > 0
                    ? "Audit log intact: " + i.entries() + " entries, head " + i.headSeq() + ":" + i.headHash() + " as exported."
                    : "Audit log: empty, as exported.");
            out.flush();
            return 0;
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = {"Copy the embedded SQLite database, artifact bytes included, to a new file while the server runs.",
                    "Restore: put the file as updraft.db into an empty data directory and start the server on it."})
    static final class Backup implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:UPDRAFT_DATA_DIR:-updraft-data}",
                description = "The server's data directory (default: $UPDRAFT_DATA_DIR, else ./updraft-data).")
        Path dataDir;

        @Option(names = "--to", required = true, paramLabel = "FILE", description = "The backup file to create (must not exist).")
        Path to;

        @Override
        public Integer call() throws Exception {
            long size;
            try {
                size = OnlineBackup.sqlite(dataDir, to);
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("Backed up " + dataDir.resolve(EmbeddedDatabase.FILE) + " to " + to + " (" + size + " bytes).");
            out.flush();
            return 0;
        }
    }

    static String auditLine(Manifest m) {
        return m.auditHeadSeq() == null ? "The audit log is empty."
                : "Audit log head: " + m.auditHeadSeq() + ":" + m.auditHeadHash() + " (the import checks the chain ends there).";
    }
}
