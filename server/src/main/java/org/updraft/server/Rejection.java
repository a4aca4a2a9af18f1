package org.updraft.server;

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
    public static final int MAX_ECHO = 64;

    /**
     * A client's input as an answer may repeat it: at most {@value #MAX_ECHO} characters (then
     * "... (N characters)"), control characters as '?'. The one place that bounds what is echoed,
     * so a 10 KB bad value costs a 10 KB request, not a 10 KB answer and log line.
     */
    public static String echo(String input) {
        if (input == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(input.length(), MAX_ECHO) + 24);
        for (int i = 0; i < input.length() && i < MAX_ECHO; i++) {
            char c = input.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        if (input.length() > MAX_ECHO) {
            b.append("... (").append(input.length()).append(" characters)");
        }
        return b.toString();
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
