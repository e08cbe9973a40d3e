public import Foundation
import GRDB

extension SQLiteKeyBrokerStorage {
    public func createSession(_ session: StoredSession, audit: AuditEvent) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO kbs_sessions (id_hash, nonce, tee, state, expires_ms) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    Data(session.idHash), session.nonce, session.tee, session.state.rawValue,
                    AuditEntry.milliseconds(session.expiresAt),
                ]
            )
            try Self.appendAudit(db, audit)
        }
    }

    public func session(idHash: [UInt8]) async throws -> StoredSession? {
        try await pool.read { db in try Self.session(db, idHash) }
    }

    public func claimNonce(idHash: [UInt8], now: Date) async throws -> NonceClaim {
        try await pool.write { db in
            guard let session = try Self.session(db, idHash) else { return .missing }
            guard session.state == .challenged else { return .used }
            guard now < session.expiresAt else { return .expired }
            try db.execute(
                sql: "UPDATE kbs_sessions SET state = 'attesting' WHERE id_hash = ? AND state = 'challenged'",
                arguments: [Data(idHash)]
            )
            guard db.changesCount == 1 else { return .used }
            return .claimed(session)
        }
    }

    public func finishAttestation(
        idHash: [UInt8],
        claimsJSON: String?,
        expiresAt: Date,
        audit: AuditEvent
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE kbs_sessions SET state = ?, claims = ?, expires_ms = ? WHERE id_hash = ?",
                arguments: [
                    (claimsJSON == nil ? StoredSession.State.failed : .attested).rawValue, claimsJSON,
                    AuditEntry.milliseconds(expiresAt), Data(idHash),
                ]
            )
            try Self.appendAudit(db, audit)
        }
    }

    public func purgeSessions(expiredBefore time: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM kbs_sessions WHERE expires_ms < ?",
                arguments: [AuditEntry.milliseconds(time)]
            )
            return db.changesCount
        }
    }

    public func recordRelease(_ release: ReleaseRecord, audit: AuditEvent) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO kbs_releases (path, version, tee_thumbprint, evidence_digest, time_ms)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    release.path, release.version, release.teeKeyThumbprint, release.evidenceDigest,
                    AuditEntry.milliseconds(release.time),
                ]
            )
            try Self.appendAudit(db, audit)
        }
    }

    public func releases(path: String) async throws -> [ReleaseRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT path, version, tee_thumbprint, evidence_digest, time_ms FROM kbs_releases
                    WHERE path = ? ORDER BY id
                    """,
                arguments: [path]
            ).map { row in
                let time: Int64 = row["time_ms"]
                return ReleaseRecord(
                    path: row["path"],
                    version: row["version"],
                    teeKeyThumbprint: row["tee_thumbprint"],
                    evidenceDigest: row["evidence_digest"],
                    time: KeyBrokerSchema.date(time)
                )
            }
        }
    }

    public func appendAudit(_ event: AuditEvent) async throws {
        try await pool.write { db in _ = try Self.appendAudit(db, event) }
    }

    public func auditEntries(after: Int64, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, kind, actor, subject, action, outcome, digest, time_ms, prev_hash, hash, scheme
                    FROM kbs_audit WHERE seq > ? ORDER BY seq LIMIT ?
                    """,
                arguments: [after, limit]
            ).map(Self.auditEntry)
        }
    }

    public func lastAuditEntry() async throws -> AuditEntry? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT seq, kind, actor, subject, action, outcome, digest, time_ms, prev_hash, hash, scheme
                    FROM kbs_audit ORDER BY seq DESC LIMIT 1
                    """
            ).map(Self.auditEntry)
        }
    }

    /// Decodes a row exactly: every column must hold the storage class the schema declares (SQLite would accept
    /// any), and the values must decode (``AuditEntry/decode(sequence:kind:actor:subject:action:outcome:digest:timeMilliseconds:previousHash:hash:scheme:)``).
    static func auditEntry(_ row: Row) throws -> AuditEntry {
        guard case .int64(let sequence) = (row["seq"] as DatabaseValue).storage else {
            throw AuditRowError(sequence: 0, reason: "seq is not an integer")
        }
        func text(_ column: String) throws(AuditRowError) -> String {
            guard case .string(let value) = (row[column] as DatabaseValue).storage else {
                throw AuditRowError(sequence: sequence, reason: "\(column) is not text")
            }
            return value
        }
        func integer(_ column: String) throws(AuditRowError) -> Int64 {
            guard case .int64(let value) = (row[column] as DatabaseValue).storage else {
                throw AuditRowError(sequence: sequence, reason: "\(column) is not an integer")
            }
            return value
        }
        return try AuditEntry.decode(
            sequence: sequence,
            kind: try text("kind"),
            actor: try text("actor"),
            subject: try text("subject"),
            action: try text("action"),
            outcome: try text("outcome"),
            digest: try text("digest"),
            timeMilliseconds: try integer("time_ms"),
            previousHash: try text("prev_hash"),
            hash: try text("hash"),
            scheme: try integer("scheme")
        )
    }

    /// Appends inside the caller's write transaction (SQLite has one writer, so the chain cannot fork).
    @discardableResult
    static func appendAudit(_ db: Database, _ event: AuditEvent) throws -> AuditEntry {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM kbs_audit ORDER BY seq DESC LIMIT 1")
        let sequence: Int64 = (last?["seq"] as Int64?) ?? 0
        let previous: String = (last?["hash"] as String?) ?? AuditEntry.genesisHash
        let entry = AuditEntry.chained(sequence: sequence + 1, event: event, previousHash: previous)
        try db.execute(
            sql: """
                INSERT INTO kbs_audit (seq, kind, actor, subject, action, outcome, digest, time_ms, prev_hash, hash,
                    scheme)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                entry.sequence, event.kind.rawValue, event.actor, event.subject, event.action, event.outcome,
                event.digest, AuditEntry.milliseconds(event.time), entry.previousHash, entry.hash,
                entry.scheme.rawValue,
            ]
        )
        return entry
    }

    static func session(_ db: Database, _ idHash: [UInt8]) throws -> StoredSession? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT nonce, tee, state, expires_ms, claims FROM kbs_sessions WHERE id_hash = ?",
                arguments: [Data(idHash)]
            )
        else { return nil }
        let state: String = row["state"]
        let expires: Int64 = row["expires_ms"]
        return StoredSession(
            idHash: idHash,
            nonce: row["nonce"],
            tee: row["tee"],
            state: StoredSession.State(rawValue: state) ?? .failed,
            expiresAt: KeyBrokerSchema.date(expires),
            claimsJSON: row["claims"]
        )
    }
}
