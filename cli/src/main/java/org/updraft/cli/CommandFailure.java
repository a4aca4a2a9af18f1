package org.updraft.cli;

/**
 * A command could not do what was asked: the server refused, the server is unreachable, a file is not
 * a valid image. The message is shown to the user as "error: &lt;message&gt;" and the exit code is 1.
 */
final class CommandFailure extends RuntimeException {
    CommandFailure(String message) {
        super(message);
    }

    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
