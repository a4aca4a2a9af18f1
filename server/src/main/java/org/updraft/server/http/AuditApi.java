package org.updraft.server.http;

import java.time.Instant;
import java.util.List;
import org.updraft.server.problem.Rejection;
import org.updraft.server.audit.AuditLog;
import org.updraft.server.audit.Verification;
import org.updraft.server.auth.Role;

/** {@code /api/v1/audit} (viewer): the newest entries, and a verification of the whole chain computed on the server. */
final class AuditApi {

    private final AuditLog log;

    AuditApi(AuditLog log) {
        this.log = log;
    }

    /** The result of {@code GET /api/v1/audit/verify}; firstBadSeq and problem only when ok is false, head only when true. */
    record VerifyView(boolean ok, long entries, Long headSeq, String headHash, String anchor, Long firstBadSeq, String problem,
                      Instant checkedAt) {
    }

    void register(Router router) {
        router.get("/api/v1/audit", Role.VIEWER, ex -> {
            // Newest first; the cursor is the seq of the page's last entry ("before" is the older
            // way to say where to start, still accepted).
            PageRequest page = PageRequest.parse(ex, "audit", "before");
            Long before = page.after() == null ? before(page.filter("before")) : Long.valueOf(seq(PageRequest.one(page.after())));
            ex.json(200, page.page(log.latest(page.limit() + 1, before), e -> List.of(String.valueOf(e.seq())), log.entries()));
        });
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

    private static long seq(String cursor) {
        try {
            return Long.parseLong(cursor);
        } catch (NumberFormatException e) {
            throw PageRequest.badCursor();
        }
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
