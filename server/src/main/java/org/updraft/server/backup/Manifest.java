package org.updraft.server.backup;

import java.time.Instant;
import java.util.Map;

/**
 * {@code manifest.json} of an export file: what the file must hold, checked on import.
 *
 * @param format        always {@link #FORMAT}
 * @param engine        the engine exported from: {@code sqlite} or {@code postgresql}
 * @param schemaVersion the last migration applied to the exported database ("9"); an import into an
 *                      older schema is refused
 * @param tables        rows per table, in insert order (a table after those it references)
 * @param auditHeadSeq  the audit log's last entry, or null for an empty log
 * @param auditHeadHash that entry's hash: after an import the chain must verify and end there
 */
public record Manifest(String format, String engine, String schemaVersion, Instant exportedAt, Map<String, Long> tables,
                       Long auditHeadSeq, String auditHeadHash) {

    public static final String FORMAT = "updraft-export-1";

    public long rows() {
        return tables.values().stream().mapToLong(Long::longValue).sum();
    }
}
