package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code updraft allowlist show|set|add|remove}: the MACs a product with allowlist enrollment serves
 * ({@code /api/v1/products/{product}/allowlist}). add and remove read the list, change it and write
 * it back whole (the API replaces the list): two operators editing one product's list at the same
 * moment may lose one change, which {@code show} afterwards reveals.
 */
@Command(name = "allowlist", mixinStandardHelpOptions = true,
        description = {"Show and change the MACs a product serves when its enrollment is allowlist.",
                "Set that enrollment with updraft product policy NAME --enrollment allowlist."},
        subcommands = {AllowlistCommand.Show.class, AllowlistCommand.Set.class, AllowlistCommand.Add.class,
                AllowlistCommand.Remove.class})
final class AllowlistCommand {

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a product's allowlist, one MAC a line.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                print(spec, remote, product, api.get(path(product)));
            }
            return 0;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Replace a product's allowlist with these MACs.")
    static final class Set implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1..*", arity = "0..*", paramLabel = "MAC", description = "Device MACs, e.g. 5C:CF:7F:01:02:03.")
        java.util.List<String> macs;

        @Option(names = "--clear", description = "Empty the list (no device is served while enrollment is allowlist).")
        boolean clear;

        @Override
        public Integer call() {
            boolean none = macs == null || macs.isEmpty();
            if (none != clear) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        clear ? "--clear takes no MACs" : "give the MACs of the new list, or --clear to empty it");
            }
            try (ApiClient api = remote.client()) {
                print(spec, remote, product, api.put(path(product), body(none ? java.util.List.of() : macs)));
            }
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add MACs to a product's allowlist.")
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "MAC", description = "Device MACs, e.g. 5C:CF:7F:01:02:03.")
        java.util.List<String> macs;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                java.util.Set<String> list = current(api, product);
                macs.forEach(m -> list.add(canonical(m)));
                print(spec, remote, product, api.put(path(product), body(list)));
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove MACs from a product's allowlist.")
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "MAC", description = "Device MACs, e.g. 5C:CF:7F:01:02:03.")
        java.util.List<String> macs;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                java.util.Set<String> list = current(api, product);
                for (String m : macs) {
                    if (!list.remove(canonical(m))) {
                        throw new CommandFailure(m + " is not on the allowlist of " + product + "; nothing was changed");
                    }
                }
                print(spec, remote, product, api.put(path(product), body(list)));
            }
            return 0;
        }
    }

    private static String path(String product) {
        return "/api/v1/products/" + ApiClient.segment(product) + "/allowlist";
    }

    private static java.util.Set<String> current(ApiClient api, String product) {
        java.util.Set<String> list = new LinkedHashSet<>();
        api.get(path(product)).json().path("macs").forEach(m -> list.add(m.asText()));
        return list;
    }

    /** The server's spelling (upper case, colons), so a MAC typed as 5ccf7f010203 is found on the list. */
    static String canonical(String mac) {
        String hex = mac.strip().replace(":", "").replace("-", "");
        if (!hex.matches("[0-9A-Fa-f]{12}")) {
            return mac;   // the server names what is wrong with it
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 12; i += 2) {
            out.append(i == 0 ? "" : ":").append(hex, i, i + 2);
        }
        return out.toString().toUpperCase();
    }

    private static JsonNode body(java.util.Collection<String> macs) {
        var body = ApiClient.object();
        ArrayNode list = body.putArray("macs");
        macs.forEach(list::add);
        return body;
    }

    private static void print(CommandSpec spec, RemoteOptions remote, String product, ApiClient.Reply reply) {
        PrintWriter out = spec.commandLine().getOut();
        if (remote.json) {
            out.println(reply.body());
            out.flush();
            return;
        }
        JsonNode macs = reply.json().path("macs");
        String count = macs.size() + (macs.size() == 1 ? " MAC" : " MACs");
        out.println(macs.isEmpty() ? "The allowlist of " + product + " is empty." : "The allowlist of " + product + " (" + count + "):");
        macs.forEach(m -> out.println(m.asText()));
        out.flush();
    }
}
