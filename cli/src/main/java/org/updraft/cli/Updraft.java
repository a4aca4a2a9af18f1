package org.updraft.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code updraft} command: the root of every subcommand and the entry point of the runnable jar.
 *
 * <p>New command groups are added to {@link #COMMANDS} and {@link #command}; each is one class.
 * Exit codes (docs/cli.md): 0 ok, 1 refused or failed (message on stderr), 2 usage error.
 */
@Command(
        name = "updraft",
        mixinStandardHelpOptions = true,
        versionProvider = Updraft.Version.class,
        description = "Firmware over the air for ESP8266 and ESP32 fleets.",
        commandListHeading = "%nCommands:%n",
        footer = {"",
                "Remote commands talk to --server URL (default: $UPDRAFT_SERVER, else http://localhost:$UPDRAFT_PORT,"
                        + " else http://localhost:8080) with --token T (default: $UPDRAFT_TOKEN; for a server on this machine,"
                        + " the bootstrap token its data directory keeps).",
                "Exit codes: 0 ok, 1 refused or failed, 2 usage error (bad option values too, whether the CLI or the server notices).",
                "Run without a command: the usage, and exit 2."})
// No subcommands attribute: they are added in code (commandLine), so that one can be added alone.
public final class Updraft implements java.util.concurrent.Callable<Integer> {

    /** Exit code when a command was refused or failed. */
    static final int FAILED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The top-level commands in the order {@code updraft --help} lists them ({@code help} comes last). */
    static final java.util.List<String> COMMANDS = java.util.List.of("server", "config", "status", "inspect", "sample", "keygen", "sign",
            "verify", "product", "key", "allowlist", "release", "device", "rollout", "token", "audit", "gc", "db", "simulate", "demo",
            "push", "version");

    /** A new instance of the top-level command {@code name} (one of {@link #COMMANDS}). */
    private static Object command(String name) {
        return switch (name) {
            case "server" -> new ServerCommand();
            case "config" -> new ConfigCommand();
            case "status" -> new StatusCommand();
            case "inspect" -> new InspectCommand();
            case "sample" -> new SampleCommand();
            case "keygen" -> new KeygenCommand();
            case "sign" -> new SignCommand();
            case "verify" -> new VerifyCommand();
            case "product" -> new ProductCommand();
            case "key" -> new KeyCommand();
            case "allowlist" -> new AllowlistCommand();
            case "release" -> new ReleaseCommand();
            case "device" -> new DeviceCommand();
            case "rollout" -> new RolloutCommand();
            case "token" -> new TokenCommand();
            case "audit" -> new AuditCommand();
            case "gc" -> new GcCommand();
            case "db" -> new DbCommand();
            case "simulate" -> new SimulateCommand();
            case "demo" -> new DemoCommand();
            case "push" -> new PushCommand();
            case "version" -> new VersionCommand();
            default -> throw new IllegalArgumentException("no command " + name);
        };
    }

    public static void main(String[] args) {
        System.exit(commandLine(args.length > 0 ? args[0] : null).execute(args));
    }

    /** The fully wired command line: every subcommand, "error: " reporting, exit codes. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Updraft());
        for (String name : COMMANDS) {
            cli.addSubcommand(name, command(name));
        }
        cli.addSubcommand("help", new CommandLine.HelpCommand());
        return wire(cli);
    }

    /**
     * The command line for {@code updraft FIRST …}: when FIRST names a command, the root with that
     * command alone, so that usage and error messages read the same; else every command (help,
     * suggestions for a misspelt name). picocli builds the model of every command it is given, by
     * reflection, before it parses anything, and its Java 5 class files go into no class-data
     * archive: all commands cost ~400 ms of a server start, the server alone ~160 ms (JDK 25, AOT
     * cache, measured in-process under chrt on the 2-core machine); a remote command alone saves
     * about as much (BENCHMARKS.md, CLI start).
     */
    static CommandLine commandLine(String first) {
        if (first == null || !COMMANDS.contains(first)) {
            return commandLine();
        }
        CommandLine cli = new CommandLine(new Updraft());
        cli.addSubcommand(first, command(first));
        return wire(cli);
    }

    private static CommandLine wire(CommandLine cli) {
        cli.setExecutionExceptionHandler(Updraft::report);
        cli.setParameterExceptionHandler(Updraft::usageError);
        return cli;
    }

    /** {@code updraft} alone: a usage error (a command is missing), so the usage on stderr and exit 2. */
    @Override
    public Integer call() {
        CommandLine cli = spec.commandLine();
        cli.getErr().println("error: no command given");
        cli.usage(cli.getErr());
        cli.getErr().flush();
        return cli.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * A failed command prints one "error: …" line on stderr and exits 1; a usage error noticed
     * after parsing (CommandFailure.usage: a bad value, the server's 400) adds where help is and
     * exits 2; unexpected bugs say so.
     */
    private static int report(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        if (e instanceof CommandFailure failure) {
            cli.getErr().println("error: " + failure.getMessage());
            if (failure.exitCode() == 2) {
                cli.getErr().println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for more information.");
            }
            cli.getErr().flush();
            return failure.exitCode();
        } else {
            cli.getErr().println("error: unexpected " + e);
            if (System.getenv("UPDRAFT_DEBUG") != null) {
                e.printStackTrace(cli.getErr());
            } else {
                cli.getErr().println("(set UPDRAFT_DEBUG=1 to see the stack trace)");
            }
        }
        cli.getErr().flush();
        return FAILED;
    }

    /** A usage error prints what was wrong and where help is, not the whole manual; exit 2. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        PrintWriter err = cli.getErr();
        String message = e.getMessage();
        // picocli's argument-group messages already start with "Error: ".
        err.println("error: " + (message.startsWith("Error: ") ? message.substring("Error: ".length()) : message));
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Usage: " + cli.getHelp().synopsis("Usage: ".length()).stripTrailing());
        err.println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cli.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** The version of this build, e.g. "0.1.0-SNAPSHOT" (filtered into updraft-version.properties by Maven). */
    static String version() {
        Properties properties = new Properties();
        try (InputStream in = Updraft.class.getResourceAsStream("/updraft-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return properties.getProperty("version", "unknown");
    }

    /** {@code updraft version}: the same as {@code updraft --version}, for scripts and the release archive's smoke test. */
    @Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version of Updraft and of the Java it runs on.")
    static final class VersionCommand implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            for (String line : new Version().getVersion()) {
                spec.commandLine().getOut().println(line);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                    "updraft " + version(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
            };
        }
    }
}
