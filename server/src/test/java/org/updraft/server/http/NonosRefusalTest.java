package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;

/**
 * Every refusal of a request for a NONOS user bin is a closed connection with zero bytes sent,
 * whichever layer refuses: Jetty's parser (request line too long, a blank in the target, bad
 * version), its URI checks (encoded slash, empty segment, fragment, '..' above the root), its
 * header checks (no Host, header block too large), or Updraft (bad query, unknown product,
 * nothing to do, unsatisfiable range). The SDK's {@code system_upgrade_start} ignores the status
 * line and flashes whatever body a Content-Length announces, so one byte of an error page is one
 * byte of bricked flash. Exhaustive over these forms × both slot names × GET and HEAD.
 */
class NonosRefusalTest {

    static final byte[] USER1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(21, 20_000).build();
    static final byte[] USER2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(22, 20_000).build();
    static final String MAC = "5C:CF:7F:00:00:0A";

    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
        server.product("wifi", "nonos-512k");
        server.uploadOk("wifi", "2", Multipart.file("user1", USER1), Multipart.file("user2", USER2));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A malformed (or refused) request for {@code slot} ("user1.bin"/"user2.bin") with {@code method}. */
    record Form(String name, Function<String, String> target, String headers) {
        String request(String method, String slot) {
            return method + " " + target.apply(slot) + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n";
        }
    }

    static final String HOST = "Host: 127.0.0.1\r\n";

    static List<Form> forms() {
        List<Form> f = new ArrayList<>();
        f.add(new Form("10 KB query (request line over max-header-bytes: 414 from Jetty)",
                s -> "/u/wifi/" + s + "?mac=" + MAC + "&x=" + "q".repeat(10_000), HOST));
        f.add(new Form("3 KB query (over max-uri-bytes: 414 from Updraft)", s -> "/u/wifi/" + s + "?mac=" + MAC + "&x=" + "q".repeat(3_000),
                HOST));
        f.add(new Form("%ZZ in the query", s -> "/u/wifi/" + s + "?mac=%ZZ&version=1", HOST));
        f.add(new Form("a blank in the version", s -> "/u/wifi/" + s + "?mac=" + MAC + "&version=1 0", HOST));
        f.add(new Form("empty segment before the slot (//user2.bin)", s -> "/u/wifi//" + s, HOST));
        f.add(new Form("path starting with //", s -> "//u/wifi/" + s, HOST));
        f.add(new Form("only //slot", s -> "//" + s, HOST));
        f.add(new Form("encoded slash before the slot", s -> "/u/wifi%2F" + s, HOST));
        f.add(new Form("encoded slash in the product", s -> "/u/wi%2Ffi/" + s, HOST));
        f.add(new Form("encoded backslash in the product", s -> "/u/wi%5Cfi/" + s, HOST));
        f.add(new Form("bad escape in the path", s -> "/u/wi%ZZfi/" + s, HOST));
        f.add(new Form("fragment", s -> "/u/wifi/" + s + "#frag", HOST));
        f.add(new Form("fragment after the query", s -> "/u/wifi/" + s + "?mac=" + MAC + "#frag", HOST));
        f.add(new Form("'..' climbing above the root", s -> "/../../u/wifi/" + s, HOST));
        f.add(new Form("no Host header in HTTP/1.1", s -> "/u/wifi/" + s + "?mac=" + MAC + "&version=1", ""));
        f.add(new Form("two Host headers", s -> "/u/wifi/" + s, HOST + "Host: other\r\n"));
        f.add(new Form("header block over max-header-bytes (431)", s -> "/u/wifi/" + s, HOST + "X-Pad: " + "p".repeat(9_000) + "\r\n"));
        f.add(new Form("header without a colon", s -> "/u/wifi/" + s, HOST + "Garbage line\r\n"));
        f.add(new Form("control character in the query", s -> "/u/wifi/" + s + "?version=1\u0001", HOST));
        f.add(new Form("malformed MAC", s -> "/u/wifi/" + s + "?mac=nonsense", HOST));
        f.add(new Form("unknown product", s -> "/u/nosuch/" + s + "?mac=" + MAC, HOST));
        f.add(new Form("already up to date (304)", s -> "/u/wifi/" + s + "?mac=" + MAC + "&version=2", HOST));
        f.add(new Form("unsatisfiable range (416)", s -> "/u/wifi/" + s + "?mac=" + MAC + "&version=1", HOST + "Range: bytes=9999999-\r\n"));
        f.add(new Form("product segment missing", s -> "/u/" + s, HOST));
        return f;
    }

    static Stream<Arguments> cases() {
        return forms().stream().flatMap(f -> Stream.of("user1.bin", "user2.bin")
                .flatMap(slot -> Stream.of("GET", "HEAD").map(method -> Arguments.of(f.name(), method, slot, f.request(method, slot)))));
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("cases")
    void isAClosedConnectionWithoutAByte(String form, String method, String slot, String request) throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), request);

        assertThat(new String(r.raw(), StandardCharsets.ISO_8859_1)).as("bytes read before EOF").isEmpty();
    }

    @Test
    void theCasesCoverEveryFormSlotAndMethod() {
        assertThat(cases().count()).isEqualTo(forms().size() * 4L);
    }

    /** Control: the same requests, well-formed, are served — so the closes above are refusals, not a dead server. */
    @Test
    void theWellFormedRequestIsServed() throws Exception {
        for (String slot : List.of("user1.bin", "user2.bin")) {
            String target = "/u/wifi/" + slot + "?mac=" + MAC + "&version=1";
            RawHttp.Response get = RawHttp.exchange(server.port(), "GET " + target + " HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\n");
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.body()).isEqualTo(slot.equals("user1.bin") ? USER1 : USER2);
            RawHttp.Response head = RawHttp.exchange(server.port(), "HEAD " + target + " HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\n");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void recognisesUserBinTargetsFromTheRawRequestLine() {
        for (String t : List.of("/u/p/user1.bin", "/u/p/user2.bin?mac=x", "/u/p/USER2.BIN", "//user2.bin", "/u/p%2Fuser2.bin",
                "/u/p%5cuser1.bin", "/u/p/user2.bin#f", "/u/p/user2.bin;jsessionid=1", "http://host/u/p/user2.bin", "/u/p/user%32.bin",
                "/u/p/user2.bin x HTTP/1.1")) {
            assertThat(NonosTarget.of(t)).as(t).isTrue();
        }
        for (String t : List.of("/u/p", "/u/p/version", "/u/p/user3.bin", "/u/p/user2.bin/x", "/u/p?file=user2.bin", "/health#user2.bin",
                "/u/p/xuser2.bin", "/u/p/user2.bin.sig")) {
            assertThat(NonosTarget.of(t)).as(t).isFalse();
        }
    }
}
