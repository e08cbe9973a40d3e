public import Foundation
import Logging
import PostgresNIO

extension PostgresKeyBrokerStorage {
    public func createSession(_ session: StoredSession, audit: AuditEvent) async throws {
        try await write { connection, logger in
            try await connection.query(
                """
                INSERT INTO kbs_sessions (id_hash, nonce, tee, state, expires_ms)
                VALUES (\(ByteBuffer(bytes: session.idHash)), \(session.nonce), \(session.tee),
                    \(session.state.rawValue), \(AuditEntry.milliseconds(session.expiresAt)))
                """,
                logger: logger
            )
            try await Self.appendAudit(connection, audit, logger)
        }
    }

    public func session(idHash: [UInt8]) async throws -> StoredSession? {
        let logger = self.logger
        return try await client.withConnection { connection in try await Self.session(connection, idHash, logger) }
    }

    public func claimNonce(idHash: [UInt8], now: Date) async throws -> NonceClaim {
        let logger = self.logger
        return try await client.withConnection { connection in
            let rows = try await connection.query(
                """
                UPDATE kbs_sessions SET state = 'attesting'
                WHERE id_hash = \(ByteBuffer(bytes: idHash)) AND state = 'challenged'
                    AND expires_ms > \(AuditEntry.milliseconds(now))
                RETURNING nonce
                """,
                logger: logger
            )
            var claimed = false
            for try await _ in rows { claimed = true }
            guard let session = try await Self.session(connection, idHash, logger) else { return .missing }
            if claimed { return .claimed(session) }
            if session.state != .challenged { return .used }
            return .expired
        }
    }

    public func finishAttestation(
        idHash: [UInt8],
        claimsJSON: String?,
        expiresAt: Date,
        audit: AuditEvent
    ) async throws {
        let state = (claimsJSON == nil ? StoredSession.State.failed : .attested).rawValue
        try await write { connection, logger in
            try await connection.query(
                """
                UPDATE kbs_sessions SET state = \(state), claims = \(claimsJSON),
                    expires_ms = \(AuditEntry.milliseconds(expiresAt))
                WHERE id_hash = \(ByteBuffer(bytes: idHash))
                """,
                logger: logger
            )
            try await Self.appendAudit(connection, audit, logger)
        }
    }

    public func purgeSessions(expiredBefore time: Date) async throws -> Int {
        let rows = try await client.query(
            "DELETE FROM kbs_sessions WHERE expires_ms < \(AuditEntry.milliseconds(time)) RETURNING state",
            logger: logger
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    public func recordRelease(_ release: ReleaseRecord, audit: AuditEvent) async throws {
        try await write { connection, logger in
            try await connection.query(
                """
                INSERT INTO kbs_releases (path, version, tee_thumbprint, evidence_digest, time_ms)
                VALUES (\(release.path), \(release.version), \(release.teeKeyThumbprint), \(release.evidenceDigest),
                    \(AuditEntry.milliseconds(release.time)))
                """,
                logger: logger
            )
            try await Self.appendAudit(connection, audit, logger)
        }
    }

    public func releases(path: String) async throws -> [ReleaseRecord] {
        let rows = try await client.query(
            """
            SELECT path, version, tee_thumbprint, evidence_digest, time_ms FROM kbs_releases
            WHERE path = \(path) ORDER BY id
            """,
            logger: logger
        )
        var result: [ReleaseRecord] = []
        for try await (path, version, thumbprint, digest, time) in rows.decode(
            (String, Int, String, String, Int64).self
        ) {
            result.append(
                ReleaseRecord(
                    path: path,
                    version: version,
                    teeKeyThumbprint: thumbprint,
                    evidenceDigest: digest,
                    time: KeyBrokerSchema.date(time)
                )
            )
        }
        return result
    }

    public func appendAudit(_ event: AuditEvent) async throws {
        try await write { connection, logger in try await Self.appendAudit(connection, event, logger) }
    }

    public func auditEntries(after: Int64, limit: Int) async throws -> [AuditEntry] {
        try await selectAudit(
            PostgresQuery(
                unsafeSQL: """
                    SELECT seq, kind, actor, subject, action, outcome, digest, time_ms, prev_hash, hash, scheme
                    FROM kbs_audit WHERE seq > $1 ORDER BY seq LIMIT $2
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(after)
                    binds.append(Int64(limit))
                    return binds
                }()
            )
        )
    }

    public func lastAuditEntry() async throws -> AuditEntry? {
        try await selectAudit(
            PostgresQuery(
                unsafeSQL: """
                    SELECT seq, kind, actor, subject, action, outcome, digest, time_ms, prev_hash, hash, scheme
                    FROM kbs_audit ORDER BY seq DESC LIMIT 1
                    """
            )
        ).first
    }

    /// Reads audit rows, decoding each exactly (the column types are fixed by the schema; the values must decode,
    /// see ``AuditEntry/decode(sequence:kind:actor:subject:action:outcome:digest:timeMilliseconds:previousHash:hash:scheme:)``).
    func selectAudit(_ query: PostgresQuery) async throws -> [AuditEntry] {
        let rows = try await client.query(query, logger: logger)
        var result: [AuditEntry] = []
        for try await row in rows {
            let (sequence, kind, actor, subject, action, outcome, digest, time, previous, hash, scheme) =
                try row.decode(
                    (Int64, String, String, String, String, String, String, Int64, String, String, Int64).self
                )
            result.append(
                try AuditEntry.decode(
                    sequence: sequence,
                    kind: kind,
                    actor: actor,
                    subject: subject,
                    action: action,
                    outcome: outcome,
                    digest: digest,
                    timeMilliseconds: time,
                    previousHash: previous,
                    hash: hash,
                    scheme: scheme
                )
            )
        }
        return result
    }

    /// Appends inside a transaction that holds the write lock.
    static func appendAudit(_ connection: PostgresConnection, _ event: AuditEvent, _ logger: Logger) async throws {
        let rows = try await connection.query(
            "SELECT seq, hash FROM kbs_audit ORDER BY seq DESC LIMIT 1",
            logger: logger
        )
        var sequence: Int64 = 0
        var previous = AuditEntry.genesisHash
        for try await (seq, hash) in rows.decode((Int64, String).self) {
            sequence = seq
            previous = hash
        }
        let entry = AuditEntry.chained(sequence: sequence + 1, event: event, previousHash: previous)
        try await connection.query(
            """
            INSERT INTO kbs_audit (seq, kind, actor, subject, action, outcome, digest, time_ms, prev_hash, hash, scheme)
            VALUES (\(entry.sequence), \(event.kind.rawValue), \(event.actor), \(event.subject), \(event.action),
                \(event.outcome), \(event.digest), \(AuditEntry.milliseconds(event.time)), \(entry.previousHash),
                \(entry.hash), \(entry.scheme.rawValue))
            """,
            logger: logger
        )
    }

    static func session(
        _ connection: PostgresConnection,
        _ idHash: [UInt8],
        _ logger: Logger
    ) async throws -> StoredSession? {
        let rows = try await connection.query(
            """
            SELECT nonce, tee, state, expires_ms, claims FROM kbs_sessions
            WHERE id_hash = \(ByteBuffer(bytes: idHash))
            """,
            logger: logger
        )
        for try await (nonce, tee, state, expires, claims) in rows.decode((String, String, String, Int64, String?).self)
        {
            return StoredSession(
                idHash: idHash,
                nonce: nonce,
                tee: tee,
                state: StoredSession.State(rawValue: state) ?? .failed,
                expiresAt: KeyBrokerSchema.date(expires),
                claimsJSON: claims
            )
        }
        return nil
    }
}
