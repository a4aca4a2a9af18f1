package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code updraft key list|add|remove}: the public keys a product trusts for signed releases
 * ({@code /api/v1/products/{product}/keys}; adding and removing needs an admin token).
 */
@Command(name = "key", mixinStandardHelpOptions = true,
        description = {"List, add and remove the public keys a product trusts for signed releases.",
                "Make a key pair with updraft keygen; require signatures with updraft product policy NAME --signing required."},
        subcommands = {KeyCommand.List.class, KeyCommand.Add.class, KeyCommand.Remove.class})
final class KeyCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a product's trusted keys.")
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.get(path(product));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode keys = reply.json();
                if (keys.isEmpty()) {
                    out.println("Product " + product + " trusts no keys. Add one with: updraft key add " + product + " FILE.pub");
                    out.flush();
                    return 0;
                }
                table(keys).print(out);
            }
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Trust the PEM public keys in FILE... for a product's releases (keys already trusted are skipped).",
                    "With --replace the product trusts exactly these keys afterwards: key rotation in one step."})
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE", description = "PEM public key files, e.g. release.pub.")
        java.util.List<Path> files;

        @Option(names = "--replace", description = "Replace every trusted key of the product with these.")
        boolean replace;

        @Override
        public Integer call() {
            StringBuilder pem = new StringBuilder();
            for (Path file : files) {
                String text;
                try {
                    text = Files.readString(file, StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    throw new CommandFailure("cannot read " + file + ": " + e.getMessage() + "; nothing was sent", e);
                }
                // Fail fast on the usual slip: the private key, or a file that is no PEM at all.
                if (text.contains("PRIVATE KEY-----")) {
                    throw new CommandFailure(file + " holds a private key; give the public key (the .pub file updraft keygen "
                            + "wrote next to it); nothing was sent");
                }
                if (!text.contains("-----BEGIN PUBLIC KEY-----")) {
                    throw new CommandFailure(file + " holds no PEM public key (-----BEGIN PUBLIC KEY-----); nothing was sent");
                }
                pem.append(text.strip()).append('\n');
            }
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.send(replace ? "PUT" : "POST", path(product), pem.toString(), "application/x-pem-file");
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                if (replace) {
                    out.println("Product " + product + " now trusts exactly these keys:");
                } else if (reply.status() == 200) {
                    out.println("Product " + product + " trusted these keys already; its trusted keys:");
                } else {
                    out.println("Added; product " + product + " trusts:");
                }
                table(reply.json()).print(out);
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Stop trusting one key. The server refuses to remove the last key while signatures are required.")
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1", paramLabel = "KEY", description = "The key's fingerprint (SHA256:...) or id, as updraft key list shows.")
        String key;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                // A fingerprint's base64 may hold '/', which no path segment can carry: send the key's id.
                String id = key;
                if (key.startsWith("SHA256:")) {
                    id = null;
                    for (JsonNode k : api.get(path(product)).json()) {
                        if (k.path("fingerprint").asText().equals(key)) {
                            id = k.path("keyId").asText();
                        }
                    }
                    if (id == null) {
                        throw new CommandFailure("product " + product + " trusts no key " + key + " (see updraft key list " + product + ")");
                    }
                }
                ApiClient.Reply reply = api.delete(path(product) + "/" + ApiClient.segment(id));
                PrintWriter out = spec.commandLine().getOut();
                out.println(remote.json ? reply.body()
                        : "Product " + product + " no longer trusts key " + Table.text(reply.json().path("fingerprint")) + ".");
                out.flush();
            }
            return 0;
        }
    }

    private static String path(String product) {
        return "/api/v1/products/" + ApiClient.segment(product) + "/keys";
    }

    private static Table table(JsonNode keys) {
        Table table = Table.of("FINGERPRINT", "ALGORITHM", "USE", "ADDED");
        for (JsonNode k : keys) {
            table.row(Table.text(k.path("fingerprint")), Table.text(k.path("algorithm")), Table.text(k.path("use")),
                    Table.time(k.path("createdAt")));
        }
        return table;
    }
}
