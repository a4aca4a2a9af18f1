package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft product create|list|show|policy|archive|stepping-stone}: the kinds of device the server serves firmware to. */
@Command(name = "product", mixinStandardHelpOptions = true,
        description = "Create, list and show products (a chip family plus flash layout that releases are built for); "
                + "set a product's signing policy and enrollment.",
        subcommands = {ProductCommand.Create.class, ProductCommand.List.class, ProductCommand.Show.class,
                ProductCommand.Policy.class, ProductCommand.Archive.class,
                ProductCommand.SteppingStone.class})
final class ProductCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a product.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "NAME", description = "Product name, used in device URLs (/u/NAME).")
        String name;

        @Option(names = "--chip", required = true, paramLabel = "CHIP", description = "esp8266 or esp32.")
        String chip;

        @Option(names = "--layout", required = true, paramLabel = "ID",
                description = "Flash layout id, e.g. nonos-512k, arduino-4m, esp32-4m (docs/images.md, Flash layouts).")
        String layout;

        @Option(names = "--kind", paramLabel = "KIND",
                description = "arduino, nonos or esp-idf (default: chosen by the server from chip and layout).")
        String kind;

        @Option(names = "--slot-size", paramLabel = "BYTES", description = "Largest image a slot holds (default: from the layout).")
        Integer slotSize;

        @Option(names = "--update-path", paramLabel = "PATH",
                description = "Extra URL path devices already in the field ask for updates, e.g. /firmware/update.php.")
        String updatePath;

        @Option(names = "--health-window", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "How long a device must keep checking in on a new image before its update counts as confirmed,"
                        + " e.g. 5m (default: the server's, 5m).")
        Duration healthWindow;

        @Override
        public Integer call() {
            ObjectNode body = ApiClient.object()
                    .put("name", name)
                    .put("chip", chip)
                    .put("layout", layout);
            if (kind != null) {
                body.put("kind", kind);
            }
            if (slotSize != null) {
                body.put("slotSize", slotSize);
            }
            if (updatePath != null) {
                body.put("updatePath", updatePath);
            }
            if (healthWindow != null) {
                body.put("healthWindowSeconds", RolloutCommand.seconds(spec, "--health-window", healthWindow));
            }
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.post("/api/v1/products", body);
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode product = reply.json();
                out.println("Created product " + Table.text(product.path("name")));
                details(product).print(out);
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List products.")
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Option(names = "--limit", paramLabel = "N", description = "Stop after N products (default: all of them, page after page).")
        long limit;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    Pages.printJson(api, "/api/v1/products", limit, out);
                    return 0;
                }
                JsonNode products = Pages.all(api, "/api/v1/products", limit);
                if (products.isEmpty()) {
                    out.println("No products yet. Create one with: updraft product create NAME --chip esp8266 --layout ID");
                    out.flush();
                    return 0;
                }
                Table table = Table.of("NAME", "CHIP", "KIND", "LAYOUT", "FLASH", "SLOT", "UPDATE PATH", "CREATED");
                for (JsonNode p : products) {
                    table.row(Table.text(p.path("name")), Table.text(p.path("chip")), Table.text(p.path("kind")),
                            Table.text(p.path("layout")), Table.size(p.path("flashSize")), Table.size(p.path("slotSize")),
                            Table.text(p.path("updatePath")), Table.time(p.path("createdAt")));
                }
                table.print(out);
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show one product: its layout, health window, signing policy and enrollment.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "NAME", description = "Product name.")
        String name;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.get("/api/v1/products/" + ApiClient.segment(name));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode product = reply.json();
                out.println("Product " + Table.text(product.path("name")));
                withPolicies(product).print(out);
            }
            return 0;
        }
    }

    @Command(name = "policy", mixinStandardHelpOptions = true,
            description = {"Set a product's signing policy and/or enrollment (needs an admin token).",
                    "Signing required: every upload must be signed by one of the product's trusted keys (updraft key add).",
                    "Enrollment allowlist: only MACs on the list (updraft allowlist) are served; token: only devices",
                    "sending the token issued for them (updraft device token issue)."})
    static final class Policy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "NAME", description = "Product name.")
        String name;

        @Option(names = "--signing", paramLabel = "POLICY", description = "unsigned-allowed or required.")
        String signing;

        @Option(names = "--enrollment", paramLabel = "MODE", description = "open, allowlist or token.")
        String enrollment;

        @Override
        public Integer call() {
            if (signing == null && enrollment == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "give --signing unsigned-allowed|required and/or --enrollment open|allowlist|token");
            }
            ObjectNode body = ApiClient.object();
            if (signing != null) {
                body.put("signing", signing);
            }
            if (enrollment != null) {
                body.put("enrollment", enrollment);
            }
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.put("/api/v1/products/" + ApiClient.segment(name) + "/policy", body);
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode product = reply.json();
                out.println("Product " + Table.text(product.path("name")) + ": signing " + Table.text(product.path("signing"))
                        + ", enrollment " + Table.text(product.path("enrollment")));
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "archive", mixinStandardHelpOptions = true,
            description = {"Archive a product (needs an admin token); this cannot be undone.",
                    "Its name and update path answer 404 from now on, to the API and to devices, and are never given to",
                    "another product; its history stays.",
                    "Refused while it has releases, devices or device tokens: the refusal names each (docs/lifecycle.md)."})
    static final class Archive implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "NAME", description = "Product name.")
        String name;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                // The API asks for the name again (archiving cannot be undone); the command line named it.
                ApiClient.Reply reply = api.post("/api/v1/products/" + ApiClient.segment(name) + "/archive",
                        ApiClient.object().put("confirm", name));
                PrintWriter out = spec.commandLine().getOut();
                out.println(remote.json ? reply.body() : "Archived product " + Table.text(reply.json().path("name")) + ".");
                out.flush();
            }
            return 0;
        }
    }

    /** {@code updraft product stepping-stone NAME [VERSION | --clear]}: docs/rollouts.md, "Stepping stones for small flash". */
    @Command(name = "stepping-stone", mixinStandardHelpOptions = true,
            description = "Show, set or clear the product's stepping stone: a small release that a device whose free sketch"
                    + " space is below its target's image gets first (Arduino ESP8266 products).")
    static final class SteppingStone implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "NAME", description = "Product name.")
        String product;

        @Parameters(index = "1", arity = "0..1", paramLabel = "VERSION",
                description = "The release to designate (upload it with --hold first); without it, shows the current one.")
        String version;

        @Option(names = "--clear", description = "Remove the product's stepping stone.")
        boolean clear;

        @Override
        public Integer call() {
            if (clear && version != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "give either VERSION or --clear, not both");
            }
            String path = "/api/v1/products/" + ApiClient.segment(product) + "/stepping-stone";
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = clear ? api.delete(path)
                        : version != null ? api.put(path, ApiClient.object().put("version", version)) : api.get(path);
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode s = reply.json();
                String what = clear ? "Cleared stepping stone " : version != null ? "Stepping stone set: " : "Stepping stone: ";
                out.println(what + Table.text(s.path("version")) + " of product " + Table.text(s.path("product"))
                        + " (" + Table.size(s.path("size")) + ")");
                out.flush();
            }
            return 0;
        }
    }

    /** {@link #details} and the product's signing policy and enrollment. */
    static Table withPolicies(JsonNode product) {
        return details(product)
                .row("signing", Table.text(product.path("signing")))
                .row("enrollment", Table.text(product.path("enrollment")));
    }

    static Table details(JsonNode product) {
        return Table.details()
                .row("chip", Table.text(product.path("chip")))
                .row("kind", Table.text(product.path("kind")))
                .row("layout", Table.text(product.path("layout")))
                .row("flash size", Table.size(product.path("flashSize")))
                .row("slot size", Table.size(product.path("slotSize")))
                .row("update path", Table.text(product.path("updatePath")))
                .row("health window", product.path("healthWindowSeconds").canConvertToLong()
                        ? RolloutCommand.human(Duration.ofSeconds(product.path("healthWindowSeconds").asLong())) : "-")
                .row("created", Table.time(product.path("createdAt")));
    }
}
