package org.updraft.cli;

/**
 * A command could not do what was asked: the server refused, the server is unreachable, a file is not
 * a valid image. The message is shown to the user as "error: &lt;message&gt;"; the exit code is 1, or 2
 * for a usage error the command noticed only after parsing (a bad option value, or the server's 400
 * Bad Request: docs/cli.md, Exit codes).
 */
final class CommandFailure extends RuntimeException {

    private final boolean usage;

    CommandFailure(String message) {
        this(message, null, false);
    }

    CommandFailure(String message, Throwable cause) {
        this(message, cause, false);
    }

    private CommandFailure(String message, Throwable cause, boolean usage) {
        super(message, cause);
        this.usage = usage;
    }

    /** A usage error: what was given is wrong (a value, its form), not what it asked for. Exit 2. */
    static CommandFailure usage(String message) {
        return new CommandFailure(message, null, true);
    }

    /** The same failure (and exit code) said in other words. */
    CommandFailure reworded(String message) {
        return new CommandFailure(message, this, usage);
    }

    /** 2 for a usage error, else 1. */
    int exitCode() {
        return usage ? 2 : Updraft.FAILED;
    }
}
