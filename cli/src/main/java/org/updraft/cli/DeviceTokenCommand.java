package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code updraft device token issue|show|revoke}: the per-device secrets of token enrollment
 * ({@code /api/v1/devices/{mac}/token}; docs/security.md says how a device sends its token).
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Issue, show and revoke a device's own token, for products with token enrollment.",
                "Set that enrollment with updraft product policy NAME --enrollment token. The device sends its token as",
                "?token=, Authorization: Bearer, or the password of Authorization: Basic (docs/security.md)."},
        subcommands = {DeviceTokenCommand.Issue.class, DeviceTokenCommand.Show.class, DeviceTokenCommand.Revoke.class})
final class DeviceTokenCommand {

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = {"Issue a new token for a device, bound to its MAC and product; the secret is printed once.",
                    "Issuing again replaces the device's token (the old one stops working at once)."})
    static final class Issue implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "MAC", description = "Device MAC address, e.g. 5C:CF:7F:01:02:03.")
        String mac;

        @Option(names = "--product", paramLabel = "PRODUCT",
                description = "The device's product (default: the product it checked in at; required before its first check-in).")
        String product;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                String path = path(mac);
                ApiClient.Reply reply = product == null
                        ? api.send("POST", path, "", null)
                        : api.post(path, ApiClient.object().put("product", product));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                } else {
                    JsonNode t = reply.json();
                    out.println("Issued a token for device " + Table.text(t.path("mac")) + " of product "
                            + Table.text(t.path("product")) + ". Its secret, shown only now:");
                    out.println(t.path("token").asText());
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a device's token: product, issued, revoked (never the secret).")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "MAC", description = "Device MAC address.")
        String mac;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.get(path(mac));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                details(reply.json(), out);
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a device's token: the device is refused (403 revoked) until a new one is issued.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "MAC", description = "Device MAC address.")
        String mac;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.delete(path(mac));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                out.println("Revoked the token of device " + Table.text(reply.json().path("mac")) + ".");
                out.flush();
            }
            return 0;
        }
    }

    private static String path(String mac) {
        return "/api/v1/devices/" + ApiClient.segment(mac) + "/token";
    }

    private static void details(JsonNode t, PrintWriter out) {
        out.println("Token of device " + Table.text(t.path("mac")));
        Table.details()
                .row("product", Table.text(t.path("product")))
                .row("issued", Table.time(t.path("createdAt")))
                .row("revoked", Table.time(t.path("revokedAt")))
                .print(out);
    }
}
