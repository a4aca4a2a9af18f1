package org.updraft.server.auth;

/** The outcome of checking a request's {@code Authorization} header. */
public sealed interface Authentication {

    /** A live token. */
    record Valid(Principal principal) implements Authentication {
    }

    /** No usable token; {@code known} is the revoked token's owner when the secret matched a revoked token, else null. */
    record Refused(String reason, boolean presented, Principal known) implements Authentication {
    }
}
