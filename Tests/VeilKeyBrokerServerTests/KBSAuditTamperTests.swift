import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VeilKeyBroker
import VeilKeyBrokerServer
import VeilKeyBrokerTestSupport
import VeilLogClient
import VeilTransparency
import _VeilBytes

/// The audit trail against someone with write access to the database: every column of a row edited in turn (SQLite
/// and PostgreSQL), through the code path of `veil kbs audit verify` (``AuditChain/verify(storage:anchors:)``);
/// old (v1) chains still verify; a truncated tail is caught against a head anchored in a real log.
@Suite("Key broker audit trail tampering")
struct KBSAuditTamperTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func event(_ n: Int) -> AuditEvent {
        AuditEvent(
            kind: .admin,
            actor: "admin-\(n)",
            subject: "acme/key/m",
            action: "event-\(n)",
            outcome: "ok",
            digest: String(repeating: "ab", count: 32),
            time: t0.addingTimeInterval(Double(n))
        )
    }

    static func fill(_ storage: any KeyBrokerStorage, count: Int = 6) async throws {
        for n in 1...count { try await storage.appendAudit(event(n)) }
    }

    /// One edit of row 3 and the SQL that puts the row back as it was.
    static func edits(_ row: AuditEntry) -> [(column: String, edit: String, restore: String)] {
        let other = String(repeating: "cd", count: 32)
        func set(_ column: String, _ value: String, _ original: String) -> (String, String, String) {
            (
                column,
                "UPDATE kbs_audit SET \(column) = \(value) WHERE seq = 3",
                "UPDATE kbs_audit SET \(column) = \(original) WHERE seq = 3"
            )
        }
        let time = AuditEntry.milliseconds(row.event.time)
        return [
            set("kind", "'bogus'", "'admin'"),
            set("kind", "'release'", "'admin'"),
            set("actor", "'someone-else'", "'\(row.event.actor)'"),
            set("subject", "'globex/key/m'", "'\(row.event.subject)'"),
            set("action", "'nothing'", "'\(row.event.action)'"),
            set("outcome", "'denied'", "'\(row.event.outcome)'"),
            set("digest", "'\(other)'", "'\(row.event.digest)'"),
            set("time_ms", "\(time + 1)", "\(time)"),
            set("prev_hash", "'\(other)'", "'\(row.previousHash)'"),
            set("hash", "'\(other)'", "'\(row.hash)'"),
            set("hash", "'\(row.hash.uppercased())'", "'\(row.hash)'"),
            set("scheme", "1", "2"),
            set("scheme", "7", "2"),
            ("seq", "UPDATE kbs_audit SET seq = 30 WHERE seq = 3", "UPDATE kbs_audit SET seq = 3 WHERE seq = 30"),
        ]
    }

    @Test("every column edit of a row is detected by the audit verify path", arguments: KBSStorageKind.allCases)
    func everyColumn(kind: KBSStorageKind) async throws {
        try await kind.withStorage { storage, execute in
            try await Self.fill(storage)
            let intact = try await AuditChain.verify(storage: storage)
            #expect(intact.isIntact && intact.count == 6)
            let row = try #require(try await storage.allAuditEntries().first { $0.sequence == 3 })
            #expect(row.scheme == .v2)
            var columns: Set<String> = []
            for (column, edit, restore) in Self.edits(row) {
                try await execute(edit)
                let report = try await AuditChain.verify(storage: storage)
                #expect(!report.isIntact, "editing \(column) went unnoticed: \(edit)")
                #expect(report.firstBroken == 3 || report.firstBroken == 4 || report.firstBroken == 30, "\(edit)")
                columns.insert(column)
                try await execute(restore)
                #expect(try await AuditChain.verify(storage: storage).isIntact, "restoring: \(restore)")
            }
            #expect(
                columns == [
                    "seq", "kind", "actor", "subject", "action", "outcome", "digest", "time_ms", "prev_hash", "hash",
                    "scheme",
                ]
            )
        }
    }

    @Test("an unknown kind is tampering, never read as admin; the admin API answers audit-tampered")
    func unknownKind() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/m", "s", policy: broker.simulatedPolicy)
            let storage = try #require(broker.service.storage as? SQLiteKeyBrokerStorage)
            try await storage.executeForTesting("UPDATE kbs_audit SET kind = 'bogus' WHERE seq = 1")
            let report = try await AuditChain.verify(storage: storage)
            #expect(report.firstBroken == 1)
            #expect(report.reason?.contains("not an audit event kind") == true)
            let verify = try await client.execute(
                uri: "/kbs/v0/admin/audit/verify",
                method: .get,
                headers: try broker.bearer(broker.auditor)
            )
            #expect(String(buffer: verify.body).contains(#""intact":false"#))
            let list = try await client.execute(
                uri: "/kbs/v0/admin/audit",
                method: .get,
                headers: try broker.bearer(broker.auditor)
            )
            #expect(KBSTestBroker.problem(list) == "audit-tampered")
        }
    }

    @Test("a chain written with the v1 scheme still verifies, and new entries continue it with v2")
    func versionedScheme() async throws {
        try await KBSStorageKind.sqlite.withStorage { storage, execute in
            var previous = AuditEntry.genesisHash
            for n in 1...3 {
                let entry = AuditEntry.chained(
                    sequence: Int64(n),
                    event: Self.event(n),
                    previousHash: previous,
                    scheme: .v1
                )
                let e = entry.event
                try await execute(
                    """
                    INSERT INTO kbs_audit (seq, kind, actor, subject, action, outcome, digest, time_ms, prev_hash, hash, scheme)
                    VALUES (\(n), 'admin', '\(e.actor)', '\(e.subject)', '\(e.action)', '\(e.outcome)', '\(e.digest)',
                        \(AuditEntry.milliseconds(e.time)), '\(entry.previousHash)', '\(entry.hash)', 1)
                    """
                )
                previous = entry.hash
            }
            try await storage.appendAudit(Self.event(4))
            let entries = try await storage.allAuditEntries()
            #expect(entries.map(\.scheme) == [.v1, .v1, .v1, .v2])
            #expect(AuditChain.verify(entries).isIntact)
            // An edit of a v1 row is caught by the v1 hash.
            try await execute("UPDATE kbs_audit SET outcome = 'x' WHERE seq = 2")
            #expect(AuditChain.verify(try await storage.allAuditEntries()).firstBroken == 2)
        }
    }

    @Test("a truncated tail is caught against the audit head anchored in a real log")
    func truncatedTail() async throws {
        let log = try KBSTestLog()
        try await log.run { logClient in
            let broker = try KBSTestBroker { $0.transparencyLog = logClient }
            try await broker.app().test(.router) { client in
                try await broker.put(client, "acme/key/m", "s", policy: broker.simulatedPolicy)
                _ = try await broker.attest(client, teeKey: .generateP256())
                let anchored = try await client.execute(
                    uri: "/kbs/v0/admin/audit/anchor",
                    method: .post,
                    headers: try broker.bearer(broker.admin)
                )
                #expect(anchored.status == .ok)
                let head = try #require(try await broker.service.storage.lastAuditEntry())
                // An auditor fetches the anchor's inclusion from the log and verifies it against the pinned key.
                let logged = try await KBSBrokerLogTests.entries(logClient)
                let entry = try #require(logged.first { $0.kind == .auditHead })
                let bundle = try await logClient.inclusionBundle(for: entry)
                let inclusion = try log.verifier().verifyInclusion(bundle: bundle, now: Date())
                guard case .auditHead(let anchor) = inclusion.entry else {
                    Issue.record("the log holds no audit head")
                    return
                }
                let storage = try #require(broker.service.storage as? SQLiteKeyBrokerStorage)
                #expect(try await AuditChain.verify(storage: storage, anchors: [anchor]).isIntact)
                try await storage.executeForTesting("DELETE FROM kbs_audit WHERE seq >= \(head.sequence - 1)")
                let alone = try await AuditChain.verify(storage: storage)
                #expect(alone.isIntact, "without the anchor a truncated tail looks intact")
                let truncated = try await AuditChain.verify(storage: storage, anchors: [anchor])
                #expect(!truncated.isIntact)
                #expect(truncated.reason?.contains("truncated") == true)
            }
        }
    }
}
