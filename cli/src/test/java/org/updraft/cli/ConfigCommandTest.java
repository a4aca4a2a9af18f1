package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * {@code updraft config check} and {@code config show} (docs/configuration.md, "Checking a
 * configuration"): one ok/FAIL line per check against the real things (the machine's PostgreSQL,
 * a bound port, openssl's certificates), exit 1 on any FAIL.
 */
class ConfigCommandTest {

    static final String PG = System.getenv().getOrDefault("UPDRAFT_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    @TempDir
    Path dir;

    static void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(PG); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void aGoodConfigurationPassesEveryCheckAndSaysHowFarTheDatabaseIs() throws Exception {
        String name = "updraft_cfg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        sql("CREATE DATABASE " + name);
        try {
            String db = PG.replaceFirst("/test\\?", "/" + name + "?");
            Path conf = Files.writeString(dir.resolve("updraft.conf"), "host = 127.0.0.1\nport = 0\ndata-dir = " + dir.resolve("data")
                    + "\ndb = " + db + "\n");

            Run empty = Run.of("config", "check", "--config", conf.toString());
            assertThat(empty.exit()).as(empty.toString()).isEqualTo(0);
            assertThat(empty.out()).contains("ok    configuration: " + conf + ", environment and flags")
                    .contains("ok    data directory: " + dir.resolve("data") + " does not exist yet; the first start creates it")
                    .contains("reachable, empty (no migration history): the tables are created at the first start")
                    .contains("ok    HTTP port: 127.0.0.1:0: a free port is picked at start")
                    .contains("ok    limits: the defaults; shutdown-drain 30.0 s, trusted proxies: none")
                    .endsWith("configuration ok\n");

            UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), db)).close();
            Run migrated = Run.of("config", "check", "--config", conf.toString());
            assertThat(migrated.exit()).as(migrated.toString()).isEqualTo(0);
            assertThat(migrated.out()).containsPattern("ok    database jdbc:postgresql://[^ ]+: up to date \\(\\d+ migrations\\)")
                    .contains("ok    data directory: " + dir.resolve("data") + " is writable");
        } finally {
            sql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    @Test
    void aTakenPortAndAnUnreachableDatabaseFailAndTheExitCodeSaysSo() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Run r = Run.of("config", "check", "--host", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()),
                    "--data-dir", dir.toString(), "--db", "jdbc:postgresql://127.0.0.1:1/nowhere?user=u&password=hunter2");

            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.out()).contains("FAIL  HTTP port: 127.0.0.1:" + taken.getLocalPort() + " cannot be bound:")
                    .contains("FAIL  database jdbc:postgresql://127.0.0.1:1/nowhere?user=u&password=***: cannot connect to")
                    .contains("ok    data directory: " + dir + " is writable")
                    .doesNotContain("hunter2")
                    .endsWith("2 check(s) failed\n");
        }
    }

    @Test
    void anInvalidValueIsOneFailLineNamingItsSource() throws Exception {
        Path conf = Files.writeString(dir.resolve("u.conf"), "port = 80\nlimit.max-uri-bytes = 100\n");
        Run r = Run.of("config", "check", "--config", conf.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("FAIL  configuration: " + conf + ":2: limit.max-uri-bytes = '100' is not valid: max-uri-bytes must be "
                + "within 256..max-header-bytes (8192), was 100\n1 check(s) failed\n");

        Run unknown = Run.of("config", "show", "--config", Files.writeString(dir.resolve("v.conf"), "colour = blue\n").toString());
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("error: " + dir.resolve("v.conf") + ":1: unknown key 'colour'; expected one of host, port,");
    }

    @Test
    void aCertificateWithTheWrongKeyFailsTheTlsCheck() throws Exception {
        Path aCrt = dir.resolve("a.crt");
        Path aKey = dir.resolve("a.key");
        Path bKey = dir.resolve("b.key");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", aKey.toString(), "-out", aCrt.toString(), "-days", "2",
                "-subj", "/CN=updraft-check-a");
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", bKey.toString());

        Run good = Run.of("config", "check", "--host", "127.0.0.1", "--port", "0", "--data-dir", dir.toString(), "--https-port", "0",
                "--tls-cert", aCrt.toString(), "--tls-key", aKey.toString());
        assertThat(good.out()).containsPattern("ok    TLS certificate: CN=updraft-check-a, valid until 20\\d\\d-");

        Run wrong = Run.of("config", "check", "--host", "127.0.0.1", "--port", "0", "--data-dir", dir.toString(), "--https-port", "0",
                "--tls-cert", aCrt.toString(), "--tls-key", bKey.toString());
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.out()).contains("FAIL  TLS certificate: the private key does not belong to the certificate (" + aCrt + " and "
                + bKey + ")");
    }

    static void openssl(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isEqualTo(0);
    }

    @Test
    void showPrintsTheEffectiveValueAndSourceOfEverySettingWithSecretsMasked() throws Exception {
        Path conf = Files.writeString(dir.resolve("updraft.conf"), "db = jdbc:postgresql://db/updraft?user=updraft\nport = 9000\n");
        Run r = Run.of("config", "show", "--config", conf.toString(), "--port", "9100");

        assertThat(r.exit()).as(r.toString()).isEqualTo(0);
        assertThat(r.out()).startsWith("# precedence: flag > environment > " + conf + " > default\n")
                .containsPattern("\nport +=  ?9100 +\\(flag --port\\)\n")
                .containsPattern("\ndb += jdbc:postgresql://db/updraft\\?user=updraft +\\(" + java.util.regex.Pattern.quote(conf.toString()) + ":1\\)\n")
                .containsPattern("\nshutdown-drain += 30s +\\(default\\)\n");
    }
}
