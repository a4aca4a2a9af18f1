package org.updraft.server.problem;

import org.updraft.core.Validate;

/**
 * A request the server refuses, with the HTTP status to answer and a message a person can act on
 * (what was wrong, what was expected). Thrown by the domain; mapped to a JSON error by the API.
 */
public final class Rejection extends RuntimeException {

    private final int status;

    public Rejection(int status, String message) {
        super(message, null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("a rejection is a 4xx or 5xx status, not " + status);
        }
        this.status = status;
    }

    /** The most characters of a client's input that any answer repeats ({@link #echo}). */
    public static final int MAX_ECHO = Validate.MAX_ECHO;

    /**
     * A client's input as an answer may repeat it: {@link Validate#echo}, the one rule (at most
     * {@value #MAX_ECHO} characters, control characters as '?'), kept here so the API's callers
     * read as before.
     */
    public static String echo(String input) {
        return Validate.echo(input);
    }

    public int status() {
        return status;
    }

    public static Rejection badRequest(String message) {
        return new Rejection(400, message);
    }

    public static Rejection notFound(String message) {
        return new Rejection(404, message);
    }

    public static Rejection conflict(String message) {
        return new Rejection(409, message);
    }

    /** The request was well-formed but its content (an image, a version) is not acceptable. */
    public static Rejection unprocessable(String message) {
        return new Rejection(422, message);
    }
}
