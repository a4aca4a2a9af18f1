package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;

/**
 * A report answered 200 is in the database: its answer waits for the device update's row to be
 * committed. Proven by holding the database's write lock (a transaction that updates every device
 * update row) while the report is sent: whenever the answer arrives, the row already says what the
 * answer says.
 */
class ReportDurabilityTest {

    static final String MAC = "DE:BA:7A:B1:E0:71";
    static final byte[] FW = ImageBuilder.arduino().version("2.0.0").payload(71, 8_000).build();

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aReportIsOnDiskBeforeItsAnswer(TestDatabase db) throws Exception {
        try (TestServer server = new TestServer(db)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", FW));
            RawHttp.Response fetched = RawHttp.exchange(server.port(), "GET /u/relay HTTP/1.0\r\nUser-Agent: ESP8266-http-Update\r\n"
                    + "x-ESP8266-STA-MAC: " + MAC + "\r\nx-ESP8266-free-space: 1000000\r\nx-ESP8266-chip-size: 4194304\r\n"
                    + "x-ESP8266-mode: sketch\r\nx-ESP8266-version: 1.0.0\r\n\r\n");
            assertThat(fetched.body()).isEqualTo(FW);
            server.server().updates().flush();

            CompletableFuture<HttpResponse<String>> report;
            try (Handle lock = server.server().database().jdbi().open()) {
                lock.begin();
                lock.execute("UPDATE device_update SET attempts = attempts");
                report = CompletableFuture.supplyAsync(() -> server.send("POST", "/u/relay/report",
                        "{\"mac\":\"" + MAC + "\",\"status\":\"rolled_back\",\"version\":\"2.0.0\"}"));
                try {
                    HttpResponse<String> early = report.get(1, TimeUnit.SECONDS);
                    // Answered while the row could not be written: only right if it was written before.
                    assertThat(early.statusCode()).as(early.body()).isNotEqualTo(200);
                } catch (java.util.concurrent.TimeoutException waiting) {
                    // The report waits for its write: as it should.
                }
                lock.rollback();
            }
            HttpResponse<String> answered = report.get(60, TimeUnit.SECONDS);
            assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
            assertThat(answered.body()).isEqualTo("{\"state\":\"rolled_back\"}");
            String stored = server.server().database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT state FROM device_update WHERE mac = :mac").bind("mac", MAC).mapTo(String.class).one());
            assertThat(stored).isEqualTo("rolled_back");
        }
    }
}
