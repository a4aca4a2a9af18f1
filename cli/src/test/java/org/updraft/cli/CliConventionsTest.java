package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import picocli.CommandLine;

/**
 * What every command shares: help texts whose summaries are whole sentences, and exit codes as
 * docs/cli.md says — 2 for a usage error whether the CLI or the server (400) notices it, 1 for a
 * refusal — with each hint said once.
 */
class CliConventionsTest {

    private static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();

    /** Commands whose summary is not checked: none. */
    private static final Set<String> NOT_YET = Set.of();

    @TempDir
    Path dir;

    @Test
    void everyCommandHasHelpAndItsSummaryIsAWholeSentence() {
        List<CommandLine> all = new ArrayList<>();
        collect(Updraft.commandLine(), all);
        assertThat(all).hasSizeGreaterThan(40);
        for (CommandLine command : all) {
            String name = command.getCommandSpec().qualifiedName();
            Run help = Run.of(append(name.substring("updraft".length()).strip().split(" +"), "--help"));
            assertThat(help.exit()).as(name + " --help\n" + help).isZero();
            if (command.getCommandSpec().name().equals("help") || name.equals("updraft") || NOT_YET.contains(name)) {
                continue; // picocli's own help command starts with its description
            }
            assertThat(help.out()).as(name).startsWith("Usage: " + name);
            String[] description = command.getCommandSpec().usageMessage().description();
            assertThat(description).as(name + " has a description").isNotEmpty();
            String summary = description[0].strip();
            assertThat(summary).as(name + ": the summary the command list shows")
                    .matches("[A-Z].*[.]\\)?")
                    .doesNotContain("  ");
            assertThat(String.join(" ", description)).as(name).doesNotContainPattern("\\ba ESP");
        }
    }

    @Test
    void theJarsEntryBuildsOnlyTheCommandItRunsAndReadsTheSame() {
        for (String name : Updraft.COMMANDS) {
            assertThat(Updraft.commandLine(name).getSubcommands().keySet()).as(name).containsExactly(name);
        }
        assertThat(Updraft.commandLine("devic").getSubcommands()).containsKeys("device", "demo", "help");
        assertThat(Updraft.commandLine((String) null).getSubcommands()).hasSize(Updraft.COMMANDS.size() + 1);

        java.io.StringWriter alone = new java.io.StringWriter();
        CommandLine one = Updraft.commandLine("device");
        one.setErr(new java.io.PrintWriter(alone, true));
        assertThat(one.execute("device", "pin", "--bogus")).isEqualTo(2);
        Run full = Run.of("device", "pin", "--bogus");
        assertThat(alone.toString()).isEqualTo(full.err());
    }

    @Test
    void deviceRunIsNotCalledOffline() {
        Run help = Run.of("device", "run", "--help");
        assertThat(help.out()).doesNotContain("offline)");
    }

    @Test
    void noCommandIsAUsageError() {
        Run run = Run.of();
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("error: no command given\nUsage: updraft [-hV] [COMMAND]\n").contains("\nCommands:\n");
    }

    @Test
    void usageErrorsTheServerNoticesExitTwoAndRefusalsExitOne() throws Exception {
        try (UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), null).withAdminToken(TOKEN))) {
            String url = server.baseUri().toString();

            Run chip = Run.of("product", "create", "relay", "--chip", "esp9999", "--layout", "arduino-4m", "--server", url, "--token", TOKEN);
            assertThat(chip.exit()).as(chip.toString()).isEqualTo(2);
            assertThat(chip.err()).startsWith("error: unknown chip 'esp9999'")
                    .endsWith("\nTry 'updraft product create --help' for more information.\n");

            Run role = Run.of("token", "create", "bob", "--role", "superuser", "--server", url, "--token", TOKEN);
            assertThat(role.exit()).as(role.toString()).isEqualTo(2);

            Run mac = Run.of("device", "pin", "not-a-mac", "1.0.0", "--server", url, "--token", TOKEN);
            assertThat(mac.exit()).as(mac.toString()).isEqualTo(2);

            Run created = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m", "--server", url, "--token", TOKEN);
            assertThat(created.exit()).as(created.toString()).isZero();
            Run again = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m", "--server", url, "--token", TOKEN);
            assertThat(again.exit()).as("a conflict is a refusal, not a usage error\n" + again).isEqualTo(1);
            assertThat(again.err()).doesNotContain("--help");

            Run missing = Run.of("release", "list", "nosuch", "--server", url, "--token", TOKEN);
            assertThat(missing.exit()).as(missing.toString()).isEqualTo(1);

            // The downgrade refusal names the CLI's switch, not the API's field.
            Path v2 = Files.write(dir.resolve("v2.bin"), ImageBuilder.arduino().version("2.0.0").payload(2, 20_000).build());
            Path v1 = Files.write(dir.resolve("v1.bin"), ImageBuilder.arduino().version("1.0.0").payload(1, 20_000).build());
            assertThat(Run.of("release", "upload", "relay", "2.0.0", "--firmware", v2.toString(), "--server", url, "--token", TOKEN).exit()).isZero();
            Run older = Run.of("release", "upload", "relay", "1.0.0", "--firmware", v1.toString(), "--server", url, "--token", TOKEN);
            assertThat(older.exit()).as(older.toString()).isNotZero();
            assertThat(older.err()).contains("(--downgrade)").doesNotContain("downgrade=true");

            // Without a token: the hint to give one is said once.
            Run anonymous = Run.of("product", "list", "--server", url);
            assertThat(anonymous.exit()).isEqualTo(1);
            assertThat(anonymous.err().split("UPDRAFT_TOKEN", -1)).as(anonymous.err()).hasSize(2);
        }
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }

    private static String[] append(String[] words, String last) {
        List<String> out = new ArrayList<>();
        for (String w : words) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        out.add(last);
        return out.toArray(String[]::new);
    }
}
