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
 * <p>New command groups are added to {@code subcommands} below; each is one class.
 * Exit codes (DESIGN §2a): 0 ok, 1 refused or failed (message on stderr), 2 usage error.
 */
@Command(
        name = "updraft",
        mixinStandardHelpOptions = true,
        versionProvider = Updraft.Version.class,
        description = "Firmware over the air for ESP8266 and ESP32 fleets.",
        commandListHeading = "%nCommands:%n",
        footer = {"",
                "Remote commands talk to --server URL (default: $UPDRAFT_SERVER, else",
                "http://localhost:8080) with --token T (default: $UPDRAFT_TOKEN).",
                "Exit codes: 0 ok, 1 refused or failed, 2 usage error."},
        subcommands = {
                ServerCommand.class,
                InspectCommand.class,
                KeygenCommand.class, SignCommand.class, VerifyCommand.class,
                ProductCommand.class,
                KeyCommand.class,
                AllowlistCommand.class,
                ReleaseCommand.class,
                DeviceCommand.class,
                RolloutCommand.class,
                TokenCommand.class,
                AuditCommand.class,
                SimulateCommand.class,
                DemoCommand.class,
                PushCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Updraft implements Runnable {

    /** Exit code when a command was refused or failed. */
    static final int FAILED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine cli = args.length > 0 && args[0].equals("server") ? wire(new CommandLine(new ServerOnly())) : commandLine();
        System.exit(cli.execute(args));
    }

    /** The fully wired command line: every subcommand, "error: " reporting, exit codes. */
    public static CommandLine commandLine() {
        return wire(new CommandLine(new Updraft()));
    }

    private static CommandLine wire(CommandLine cli) {
        cli.setExecutionExceptionHandler(Updraft::report);
        cli.setParameterExceptionHandler(Updraft::usageError);
        return cli;
    }

    /** {@code updraft} alone: show what there is. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A failed command prints one "error: …" line on stderr and exits 1; unexpected bugs say so. */
    private static int report(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        if (e instanceof CommandFailure failure) {
            cli.getErr().println("error: " + failure.getMessage());
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

    /**
     * The root for {@code updraft server ...}: same name, the server as its only subcommand, so
     * usage and error messages read the same. picocli builds the model of every subcommand by
     * reflection before it parses anything, and its Java 5 class files cannot go into the AOT
     * cache: all 14 commands took ~400 ms of a server start, the server alone ~160 ms (JDK 25,
     * AOT cache, measured in-process under chrt on the 2-core machine).
     */
    @Command(name = "updraft", subcommands = ServerCommand.class)
    static final class ServerOnly implements Runnable {
        @Override
        public void run() {
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
