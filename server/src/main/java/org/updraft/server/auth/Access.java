package org.updraft.server.auth;

/**
 * Who may call a route: a {@link Role} (a bearer token of at least that role), or {@link Open}
 * (no token — device endpoints and the service endpoints). Every route in the table states one;
 * there is no default.
 */
public sealed interface Access permits Role, Access.Open {

    /** Stock ESP clients cannot send a bearer token; devices are checked by their own policy (MAC, enrollment). */
    Access DEVICES = new Open("devices");

    /** Liveness, metrics and the OpenAPI document: no secrets, read by monitoring without a token. */
    Access PUBLIC = new Open("public");

    /**
     * The dashboard's sign-in: it takes a token in its body instead of a header. Its answers are
     * audited under the token's name (or anonymous), as refused bearer requests are.
     */
    Access SIGN_IN = new Open("sign-in");

    /** A route anyone may call; {@code who} says for whom it is open, for the route table and docs. */
    record Open(String who) implements Access {
    }
}
