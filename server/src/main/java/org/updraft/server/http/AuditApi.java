package org.updraft.server.http;

import java.time.Instant;
import org.updraft.server.problem.Rejection;
import org.updraft.server.audit.AuditLog;
import org.updraft.server.audit.Verification;
import org.updraft.server.auth.Role;

/** {@code /api/v1/audit} (viewer): the newest entries, and a verification of the whole chain computed on the server. */
final class AuditApi {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final AuditLog log;

    AuditApi(AuditLog log) {
        this.log = log;
    }

    /** The result of {@code GET /api/v1/audit/verify}; firstBadSeq and problem only when ok is false, head only when true. */
    record VerifyView(boolean ok, long entries, Long headSeq, String headHash, String anchor, Long firstBadSeq, String problem,
                      Instant checkedAt) {
    }

    void register(Router router) {
        router.get("/api/v1/audit", Role.VIEWER, ex -> ex.json(200, log.latest(limit(ex.query("limit")), before(ex.query("before")))));
        router.get("/api/v1/audit/verify", Role.VIEWER, ex -> {
            String a = ex.query("anchor");
            AuditLog.Anchor anchor = a == null || a.isBlank() ? null : AuditLog.Anchor.parse(a);
            String anchorText = anchor == null ? null : anchor.toString();
            VerifyView view = switch (log.verify(anchor)) {
                case Verification.Intact ok -> new VerifyView(true, ok.entries(), ok.headSeq(), ok.headHash(), anchorText, null, null, ex.at());
                case Verification.Broken bad -> new VerifyView(false, bad.entries(), null, null, anchorText, bad.firstBadSeq(),
                        bad.problem(), ex.at());
            };
            ex.json(200, view);
        });
    }

    private static int limit(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw Rejection.badRequest("limit must be a number from 1 to " + MAX_LIMIT + ", got '" + text + "'");
    }

    private static Long before(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw Rejection.badRequest("before must be a seq number, got '" + text + "'");
        }
    }
}
