import Crypto
import Foundation
import Testing
import VeilKeyBroker
import VeilKeyBrokerTestSupport
import _VeilBytes

@Suite("Key broker storage (SQLite and PostgreSQL)")
struct KBSStorageTests {
    static let kek = KeyEncryptionKey.random()
    static let resource = try! ResourceID(path: "acme/key/model-a")
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func event(_ action: String, _ time: Date = t0) -> AuditEvent {
        AuditEvent(kind: .admin, actor: "test-admin", subject: resource.path, action: action, time: time)
    }

    static func add(
        _ storage: any KeyBrokerStorage,
        _ secret: String,
        mode: AddVersionMode,
        now: Date = t0,
        grace: TimeInterval = 60
    ) async throws -> Int {
        let kek = Self.kek
        let resource = Self.resource
        let bytes = SecureBytes(Array(secret.utf8))
        return try await storage.addVersion(
            resource,
            mode: mode,
            now: now,
            graceUntil: now.addingTimeInterval(grace),
            seal: { version in try SealedSecret.seal(bytes, resource: resource, version: version, kek: kek) },
            audit: event(mode == .create ? "put" : "rotate", now)
        )
    }

    @Test(
        "put, rotate keeps the old version readable for the grace period, list, delete",
        arguments: KBSStorageKind.allCases
    )
    func versions(kind: KBSStorageKind) async throws {
        try await kind.withStorage { storage, _ in
            #expect(try await Self.add(storage, "secret one", mode: .create) == 1)
            await #expect(throws: KeyBrokerError.self) { try await Self.add(storage, "again", mode: .create) }
            let later = Self.t0.addingTimeInterval(10)
            #expect(try await Self.add(storage, "secret two", mode: .rotate, now: later, grace: 60) == 2)

            let versions = try await storage.versions(of: Self.resource)
            #expect(versions.map(\.version) == [1, 2])
            #expect(versions[0].retiresAt == later.addingTimeInterval(60))
            #expect(versions[1].retiresAt == nil)
            #expect(versions[0].isReadable(at: later.addingTimeInterval(59)))
            #expect(!versions[0].isReadable(at: later.addingTimeInterval(61)))
            let opened = try versions[0].sealed.open(resource: Self.resource, version: 1, kek: Self.kek)
            #expect(Array(opened) == Array("secret one".utf8))
            #expect(
                Array(try versions[1].sealed.open(resource: Self.resource, version: 2, kek: Self.kek))
                    == Array("secret two".utf8)
            )
            // A sealed version cannot be opened as another version or resource (bound by associated data).
            #expect(throws: KeyBrokerError.self) {
                try versions[0].sealed.open(resource: Self.resource, version: 2, kek: Self.kek)
            }

            let listed = try await storage.listResources(repository: "acme", now: later.addingTimeInterval(61))
            #expect(listed.map(\.path) == ["acme/key/model-a"])
            #expect(listed.first?.currentVersion == 2)
            #expect(listed.first?.readableVersions == [2])
            #expect(try await storage.listResources(repository: "other", now: later).isEmpty)

            #expect(try await storage.deleteResource(Self.resource, audit: Self.event("delete")))
            #expect(try await storage.versions(of: Self.resource).isEmpty)
            #expect(!(try await storage.deleteResource(Self.resource, audit: Self.event("delete"))))
            await #expect(throws: KeyBrokerError.self) { try await Self.add(storage, "x", mode: .rotate) }
        }
    }

    @Test("a nonce is spent once; expired and unknown sessions are told apart", arguments: KBSStorageKind.allCases)
    func nonces(kind: KBSStorageKind) async throws {
        try await kind.withStorage { storage, _ in
            let id: [UInt8] = Array(repeating: 7, count: 32)
            let session = StoredSession(
                idHash: id,
                nonce: "n1",
                tee: "sample",
                state: .challenged,
                expiresAt: Self.t0.addingTimeInterval(300),
                claimsJSON: nil
            )
            try await storage.createSession(session, audit: Self.event("auth"))
            guard case .claimed(let claimed) = try await storage.claimNonce(idHash: id, now: Self.t0) else {
                Issue.record("the first claim must succeed")
                return
            }
            #expect(claimed.nonce == "n1")
            #expect(try await storage.claimNonce(idHash: id, now: Self.t0) == .used)
            #expect(try await storage.claimNonce(idHash: Array(repeating: 8, count: 32), now: Self.t0) == .missing)

            let late: [UInt8] = Array(repeating: 9, count: 32)
            try await storage.createSession(
                StoredSession(
                    idHash: late,
                    nonce: "n2",
                    tee: "sample",
                    state: .challenged,
                    expiresAt: Self.t0,
                    claimsJSON: nil
                ),
                audit: Self.event("auth")
            )
            #expect(try await storage.claimNonce(idHash: late, now: Self.t0.addingTimeInterval(1)) == .expired)

            try await storage.finishAttestation(
                idHash: id,
                claimsJSON: "{}",
                expiresAt: Self.t0.addingTimeInterval(600),
                audit: Self.event("attest")
            )
            let attested = try #require(try await storage.session(idHash: id))
            #expect(attested.state == .attested && attested.claimsJSON == "{}")
            #expect(try await storage.purgeSessions(expiredBefore: Self.t0.addingTimeInterval(1)) == 1)
        }
    }

    @Test("concurrent claims of one nonce: exactly one wins", arguments: KBSStorageKind.allCases)
    func concurrentClaims(kind: KBSStorageKind) async throws {
        try await kind.withStorage { storage, _ in
            let id: [UInt8] = Array(repeating: 3, count: 32)
            try await storage.createSession(
                StoredSession(
                    idHash: id,
                    nonce: "n",
                    tee: "sample",
                    state: .challenged,
                    expiresAt: Self.t0.addingTimeInterval(60),
                    claimsJSON: nil
                ),
                audit: Self.event("auth")
            )
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        if case .claimed = try await storage.claimNonce(idHash: id, now: Self.t0) { return true }
                        return false
                    }
                }
                var count = 0
                for try await won in group where won { count += 1 }
                return count
            }
            #expect(wins == 1)
        }
    }

    @Test("policies, reference values, tenants and releases round-trip", arguments: KBSStorageKind.allCases)
    func records(kind: KBSStorageKind) async throws {
        try await kind.withStorage { storage, _ in
            let first = try await storage.setPolicy(
                .repository("acme"),
                document: #"{"version":1}"#,
                now: Self.t0,
                audit: Self.event("set-policy")
            )
            #expect(first.version == 1 && first.logResource == "acme/*/*")
            let resourcePolicy = try await storage.setPolicy(
                .resource(Self.resource),
                document: #"{"version":1,"platforms":["tdx"]}"#,
                now: Self.t0,
                audit: Self.event("set-policy")
            )
            #expect(resourcePolicy.version == 1 && resourcePolicy.logResource == Self.resource.path)
            #expect(try await storage.policy(.repository("acme")) == #"{"version":1}"#)
            #expect(try await storage.policy(.resource(Self.resource))?.contains("tdx") == true)
            let removed = try await storage.setPolicy(
                .repository("acme"),
                document: nil,
                now: Self.t0,
                audit: Self.event("delete-policy")
            )
            #expect(removed.version == 2)
            #expect(removed.sha256 == Hex.encode(Array(SHA256.hash(data: [UInt8]()))))
            #expect(try await storage.policy(.repository("acme")) == nil)
            #expect(try await storage.policyVersion(.repository("acme")) == 2)
            func unlogged() async throws -> [String] {
                try await storage.unloggedPolicyVersions().map { "\($0.scope)#\($0.version)" }.sorted()
            }
            #expect(try await unlogged() == ["repository:acme#1", "repository:acme#2", "resource:acme/key/model-a#1"])
            try await storage.markPolicyVersionLogged(scope: first.scope, version: 1)
            #expect(try await unlogged() == ["repository:acme#2", "resource:acme/key/model-a#1"])

            try await storage.setReferenceValues(
                name: "prod",
                document: #"{"tdx":{"mr_td":["aa"]}}"#,
                audit: Self.event("set-rv")
            )
            #expect(try await storage.referenceValues() == ["prod": #"{"tdx":{"mr_td":["aa"]}}"#])

            #expect(try await storage.addTenant("acme", now: Self.t0, audit: Self.event("add-tenant")))
            #expect(!(try await storage.addTenant("acme", now: Self.t0, audit: Self.event("add-tenant"))))
            #expect(try await storage.tenants() == ["acme"])

            let release = ReleaseRecord(
                path: Self.resource.path,
                version: 1,
                teeKeyThumbprint: "thumb",
                evidenceDigest: "abcd",
                time: Self.t0
            )
            try await storage.recordRelease(release, audit: Self.event("release"))
            #expect(try await storage.releases(path: Self.resource.path) == [release])
        }
    }

    @Test(
        "the audit chain verifies, and an edited, deleted or reordered row breaks it",
        arguments: KBSStorageKind.allCases
    )
    func auditChain(kind: KBSStorageKind) async throws {
        try await kind.withStorage { storage, execute in
            _ = try await Self.add(storage, "s", mode: .create)
            for n in 0..<5 {
                try await storage.appendAudit(Self.event("event-\(n)", Self.t0.addingTimeInterval(Double(n))))
            }
            let entries = try await storage.allAuditEntries()
            #expect(entries.map(\.sequence) == Array(1...6))
            let report = AuditChain.verify(entries)
            #expect(report.isIntact && report.count == 6 && report.head == entries.last?.hash)

            try await execute("UPDATE kbs_audit SET outcome = 'denied' WHERE seq = 3")
            let edited = AuditChain.verify(try await storage.allAuditEntries())
            #expect(edited.firstBroken == 3)
            #expect(edited.reason?.contains("edited") == true)

            try await execute("UPDATE kbs_audit SET outcome = 'ok' WHERE seq = 3")
            #expect(AuditChain.verify(try await storage.allAuditEntries()).isIntact)
            try await execute("DELETE FROM kbs_audit WHERE seq = 4")
            #expect(AuditChain.verify(try await storage.allAuditEntries()).firstBroken == 5)
        }
    }

    @Test("KEK rotation rewraps every version; the old KEK no longer opens them", arguments: KBSStorageKind.allCases)
    func rekey(kind: KBSStorageKind) async throws {
        try await kind.withStorage { storage, _ in
            _ = try await Self.add(storage, "first", mode: .create)
            _ = try await Self.add(storage, "second", mode: .rotate)
            let new = KeyEncryptionKey.random()
            #expect(try await KeyBrokerService.rekey(storage: storage, from: Self.kek, to: new) == 2)
            let versions = try await storage.versions(of: Self.resource)
            #expect(versions.allSatisfy { $0.sealed.kekID == new.id })
            #expect(
                Array(try versions[1].sealed.open(resource: Self.resource, version: 2, kek: new))
                    == Array("second".utf8)
            )
            #expect(throws: KeyBrokerError.self) {
                try versions[0].sealed.open(resource: Self.resource, version: 1, kek: Self.kek)
            }
            #expect(try await KeyBrokerService.rekey(storage: storage, from: Self.kek, to: new) == 0)
            #expect(AuditChain.verify(try await storage.allAuditEntries()).isIntact)
        }
    }

    @Test("no row of the SQLite file holds a plaintext secret")
    func noPlaintextAtRest() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-kbs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("kbs.sqlite").path
        do {
            let storage = try SQLiteKeyBrokerStorage(path: path)
            try await storage.migrate()
            _ = try await Self.add(storage, "PLAINTEXT-MARKER-0123456789", mode: .create)
        }
        var bytes: [UInt8] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            bytes += Array(try Data(contentsOf: directory.appendingPathComponent(file)))
        }
        #expect(bytes.count > 1000)
        let marker = Array("PLAINTEXT-MARKER".utf8)
        let found = bytes.indices.dropLast(marker.count).contains { Array(bytes[$0..<$0 + marker.count]) == marker }
        #expect(!found)
    }
}
