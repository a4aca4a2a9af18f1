package org.updraft.server.http;

import org.updraft.server.problem.Rejection;
import org.updraft.server.auth.ApiTokens;
import org.updraft.server.auth.Principal;
import org.updraft.server.auth.Role;

/** {@code /api/v1/tokens} (admin): create (the secret is in that answer only), list (never secrets), revoke. */
final class TokenApi {

    private final ApiTokens tokens;

    TokenApi(ApiTokens tokens) {
        this.tokens = tokens;
    }

    record NewToken(String name, String role) {
    }

    /** The one answer that carries a secret. */
    record IssuedView(long id, String name, String role, String token, java.time.Instant createdAt, String createdBy) {
    }

    void register(Router router) {
        router.post("/api/v1/tokens", Role.ADMIN, ex -> {
            NewToken nt = ex.bodyJson(NewToken.class);
            ex.audit("name", nt.name());
            ex.audit("role", nt.role());
            Role role = Role.parse(nt.role());
            Principal by = ex.principal();
            ApiTokens.Issued issued = tokens.create(nt.name(), role, by.name() + " (#" + by.tokenId() + ")", ex.at());
            ex.audit("id", String.valueOf(issued.token().id()));
            ApiTokens.TokenInfo t = issued.token();
            ex.json(201, new IssuedView(t.id(), t.name(), t.role(), issued.secret(), t.createdAt(), t.createdBy()));
        });
        router.get("/api/v1/tokens", Role.ADMIN, ex -> ex.json(200, PageRequest.parse(ex, "tokens")
                .slice(tokens.list(), t -> String.valueOf(t.id()), PageRequest.BY_NUMBER)));
        router.delete("/api/v1/tokens/{id}", Role.ADMIN, ex -> {
            String s = ex.param("id");
            long id;
            try {
                id = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw Rejection.badRequest("token id '" + s + "' is not a number");
            }
            ex.json(200, tokens.revoke(id, ex.at()));
        });
    }
}
