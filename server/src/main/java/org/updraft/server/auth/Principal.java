package org.updraft.server.auth;

/** The caller behind a valid bearer token. */
public record Principal(long tokenId, String name, Role role) {

    /** "ci-deploy (#3)": how messages and the audit log name the caller. */
    public String describe() {
        return "'" + name + "' (#" + tokenId + ")";
    }
}
