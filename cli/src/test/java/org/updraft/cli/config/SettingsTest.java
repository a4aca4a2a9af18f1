package org.updraft.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;

/** The one precedence (flag > environment > file > default) and the errors that name their source. */
class SettingsTest {

    @TempDir
    Path dir;

    Path file(String... lines) throws Exception {
        return Files.writeString(dir.resolve("updraft.conf"), String.join("\n", lines) + "\n");
    }

    @Test
    void aFlagWinsOverTheEnvironmentWhichWinsOverTheFileWhichWinsOverTheDefault() throws Exception {
        Path f = file("# comment", "", "port = 9001", "host = 127.0.0.1", "data-dir = /srv/from-file", "shutdown-drain = 45s");
        Settings s = Settings.resolve(Map.of("port", "9003"), Map.of("UPDRAFT_PORT", "9002", "UPDRAFT_DATA_DIR", "/srv/from-env"), f);

        ServerConfig c = s.serverConfig();
        assertThat(c.port()).isEqualTo(9003);
        assertThat(s.source("port")).isEqualTo("flag --port");
        assertThat(c.dataDir()).isEqualTo(Path.of("/srv/from-env"));
        assertThat(s.source("data-dir")).isEqualTo("env UPDRAFT_DATA_DIR");
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(s.source("host")).isEqualTo(f + ":4");
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.jdbcUrl()).isNull();
        assertThat(s.source("db")).isEqualTo("default");
        assertThat(c.trustedProxies().isEmpty()).isTrue();
    }

    @Test
    void withNothingSetTheDefaultsApply() {
        ServerConfig c = Settings.resolve(Map.of(), Map.of(), null).serverConfig();
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.dataDir()).isEqualTo(Path.of("updraft-data"));
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.limits()).isEqualTo(org.updraft.server.config.Limits.DEFAULTS);
    }

    @Test
    void theFileComesFromUpdraftConfigWhenNoFlagNamesOne() throws Exception {
        Path f = file("port = 9011");
        assertThat(Settings.resolve(Map.of(), Map.of("UPDRAFT_CONFIG", f.toString()), null).serverConfig().port()).isEqualTo(9011);
    }

    @Test
    void limitsComeFromAllThreePlacesAndAreCheckedTogether() throws Exception {
        Path f = file("limit.max-header-bytes = 16384", "limit.max-uri-bytes = 12000");
        Settings s = Settings.resolve(Map.of("limit.ip-rate", "600/min"), Map.of("UPDRAFT_LIMIT_DEVICE_BURST", "5"), f);
        var limits = s.serverConfig().limits();
        assertThat(limits.maxUriBytes()).isEqualTo(12000);
        assertThat(limits.perIp().perMinute()).isEqualTo(600);
        assertThat(limits.perDevice().burst()).isEqualTo(5);
        assertThat(s.source("limit.device-burst")).isEqualTo("env UPDRAFT_LIMIT_DEVICE_BURST");
        assertThat(s.source("limit.ip-rate")).isEqualTo("flag --limit");
    }

    @Test
    void fileErrorsNameFileAndLine() throws Exception {
        Path f = file("port = 8080", "prot = 8081");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), f))
                .hasMessageStartingWith(f + ":2: unknown key 'prot'; expected one of host, port, data-dir, db,");
        Path g = file("port 8080");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), g)).hasMessage(g + ":1: expected 'key = value', got 'port 8080'");
        Path h = file("port = 1", "", "port = 2");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), h)).hasMessage(h + ":3: 'port' is already set at " + h + ":1");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), dir.resolve("missing.conf")))
                .hasMessage("configuration file " + dir.resolve("missing.conf") + " does not exist");
    }

    @Test
    void badValuesNameKeyValueExpectationAndSource() throws Exception {
        Path f = file("port = eighty");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), f))
                .hasMessage(f + ":1: port = 'eighty' is not valid: expected a whole number 0..65535");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of("UPDRAFT_SHUTDOWN_DRAIN", "forever"), null))
                .hasMessage("env UPDRAFT_SHUTDOWN_DRAIN: shutdown-drain = 'forever' is not valid: expected a duration 0s..1h such as 30s, "
                        + "500ms or 2m");
        assertThatThrownBy(() -> Settings.resolve(Map.of("trusted-proxies", "proxy.lan"), Map.of(), null))
                .hasMessage("flag --trusted-proxies: trusted-proxies = 'proxy.lan' is not valid: 'proxy.lan' is not an IP address or "
                        + "CIDR block; expected e.g. 127.0.0.1, 10.0.0.0/8 or ::1 (host names are not accepted)");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), file("db = postgres://db/updraft")))
                .hasMessageEndingWith(":1: db = 'postgres://db/updraft' is not valid: expected a JDBC URL such as "
                        + "jdbc:postgresql://127.0.0.1:5432/updraft?user=updraft");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), file("limit.ip-rate = lots")).serverConfig())
                .hasMessageEndingWith(":1: limit.ip-rate = 'lots' is not valid: ip-rate must be a non-negative whole number, got 'lots'");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of("UPDRAFT_LIMIT_IP_RAET", "5"), null))
                .hasMessageStartingWith("env UPDRAFT_LIMIT_IP_RAET: unknown limit; expected one of UPDRAFT_LIMIT_MAX_IMAGE_BYTES,");
        assertThatThrownBy(() -> Settings.resolve(Map.of("limit.nope", "5"), Map.of(), null))
                .hasMessageStartingWith("flag --limit: unknown limit 'nope'; expected one of max-image-bytes,");
    }

    @Test
    void theDatabasePasswordIsAddedToTheUrlAndNeverShownOrEchoed() throws Exception {
        Path f = file("db = jdbc:postgresql://db.internal:5432/updraft?user=updraft");
        Settings s = Settings.resolve(Map.of(), Map.of("UPDRAFT_DB_PASSWORD", "p&ss word"), f);

        assertThat(s.serverConfig().jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5432/updraft?user=updraft&password=p%26ss+word");
        assertThat(String.join("\n", s.show())).contains("db-password").contains("***").doesNotContain("p&ss").doesNotContain("p%26ss");
        assertThat(String.join("\n", Settings.resolve(Map.of(), Map.of(), file("db = jdbc:postgresql://h/u?user=a&password=hunter2")).show()))
                .contains("password=***").doesNotContain("hunter2");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of("UPDRAFT_DB_PASSWORD", "x"), null).serverConfig())
                .hasMessage("env UPDRAFT_DB_PASSWORD: db-password is set, but db (default) is not a PostgreSQL URL; the embedded SQLite "
                        + "database has no password");
    }

    @Test
    void showListsEveryKeyWithValueAndSource() throws Exception {
        Path f = file("port = 9001");
        var lines = Settings.resolve(Map.of("host", "127.0.0.1"), Map.of(), f).show();
        assertThat(lines).hasSize(Settings.ALL.size());
        assertThat(lines.get(0)).matches("host +=  ?127\\.0\\.0\\.1 +\\(flag --host\\)");
        assertThat(lines.get(1)).matches("port +=  ?9001 +\\(" + java.util.regex.Pattern.quote(f + ":1") + "\\)");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("limit\\.ip-rate += 3000/min +\\(default\\)"));
    }

    @Test
    void tlsFilesWithoutAnHttpsPortAreAnErrorNamingTheirSource() throws Exception {
        Path f = file("tls-cert = /etc/updraft/cert.pem");
        assertThatThrownBy(() -> Settings.resolve(Map.of(), Map.of(), f).serverConfig())
                .hasMessage(f + ":1: tls-cert is set but https-port is not; expected https-port with tls-cert and tls-key, or with tls-pkcs12");
    }
}
