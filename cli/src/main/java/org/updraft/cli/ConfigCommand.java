package org.updraft.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.updraft.cli.config.ConfigCheck;
import org.updraft.cli.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code updraft config show|check}: the server's effective configuration with the source of
 * each value, and the checks a start would trip over, before the start (docs/configuration.md).
 * Both take the same options as {@code updraft server}.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Show or check the server's configuration (file, environment and flags) before a start.",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Check.class})
final class ConfigCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: show or check");
    }

    static Settings settings(ServerOptions options, CommandSpec spec) {
        try {
            return options.settings();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print every setting's effective value and where it came from (flag, environment, FILE:LINE or default); "
                    + "passwords are masked.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerOptions options = new ServerOptions();

        @Override
        public Integer call() {
            Settings settings = settings(options, spec);
            PrintWriter out = spec.commandLine().getOut();
            out.println("# precedence: flag > environment > " + (settings.file() == null ? "configuration file (none given)"
                    : settings.file()) + " > default");
            settings.show().forEach(out::println);
            out.flush();
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check a configuration before a start: values, data directory writable, database reachable and its "
                    + "migrations, ports free, TLS files readable and matching, limits. Prints ok/FAIL per check; exits 1 on any FAIL.")
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerOptions options = new ServerOptions();

        @Override
        public Integer call() {
            List<ConfigCheck.Result> results = ConfigCheck.run(settings(options, spec));
            PrintWriter out = spec.commandLine().getOut();
            results.forEach(out::println);
            long failed = results.stream().filter(r -> !r.ok()).count();
            out.println(failed == 0 ? "configuration ok" : failed + " check(s) failed");
            out.flush();
            return failed == 0 ? 0 : Updraft.FAILED;
        }
    }
}
