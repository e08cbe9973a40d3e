import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import VeilAttestation
import VeilKeyBroker
import VeilKeyBrokerServer
import VeilLogClient
import VeilTransparency
import _VeilBytes

/// The real log client, with a switch that makes the log unreachable (as a network partition would).
final class SwitchableLog: TransparencyLogAppending {
    let client: TransparencyLogClient
    let down = Mutex(false)

    init(_ client: TransparencyLogClient) { self.client = client }

    func append(_ entry: LogEntry) async throws -> LogAPI.AppendResponse {
        if down.withLock({ $0 }) { throw LogClientError(.unreachable, "the test cut the network") }
        return try await client.append(entry)
    }
}

/// The broker's own log entries, read back from a real log: a `policy` entry per policy version, a `key-release`
/// per release (never the secret), `audit-head` anchors; and what happens while the log is unreachable.
@Suite("Key broker: what the broker logs (HTTP, real log)")
struct KBSBrokerLogTests {
    /// Every entry in the log, in order.
    static func entries(_ client: TransparencyLogClient) async throws -> [LogEntry] {
        let note = try await client.checkpoint()
        let size = try Checkpoint(text: try SignedNote(parsing: note).text).treeSize
        var result: [LogEntry] = []
        for index in 0..<size {
            let response = try await client.entry(index)
            result.append(try LogEntry(leafData: try Base64.decode(response.leafData)))
        }
        return result
    }

    @Test("policy versions, key releases and audit heads are appended; a key-release names the record's digest")
    func appended() async throws {
        let log = try KBSTestLog()
        try await log.run { logClient in
            let broker = try KBSTestBroker { $0.transparencyLog = logClient }
            try await broker.app().test(.router) { client in
                try await broker.put(client, "acme/key/model", "the model key", policy: broker.simulatedPolicy)
                let session = try #require(try await broker.attest(client, teeKey: .generateP256()).1)
                let released = try await client.execute(
                    uri: "/kbs/v0/resource/acme/key/model",
                    method: .get,
                    headers: [.authorization: "Bearer " + session.token]
                )
                #expect(released.status == .ok)
                let anchor = try await client.execute(
                    uri: "/kbs/v0/admin/audit/anchor",
                    method: .post,
                    headers: try broker.bearer(broker.admin)
                )
                #expect(anchor.status == .ok)
                let entries = try await Self.entries(logClient)
                #expect(entries.map(\.kind) == [.policy, .keyRelease, .auditHead])

                guard case .policy(let policy) = entries[0] else { return }
                let stored = try #require(
                    try await broker.service.storage.policy(.resource(try ResourceID(path: "acme/key/model")))
                )
                #expect(policy.resource == "acme/key/model")
                #expect(policy.version == 1)
                #expect(policy.policySHA256 == Hex.encode(Array(SHA256Digest.of(stored))))

                guard case .keyRelease(let release) = entries[1] else { return }
                let record = try #require(try await broker.service.storage.releases(path: "acme/key/model").first)
                #expect(release.resource == "acme/key/model")
                #expect(release.policyVersion == 1)
                #expect(release.eventSHA256 == record.digest)
                #expect(!String(decoding: entries[1].leafData, as: UTF8.self).contains("the model key"))

                guard case .auditHead(let head) = entries[2] else { return }
                let last = try #require(try await broker.service.storage.lastAuditEntry())
                #expect(head.sequence == UInt64(last.sequence))
                #expect(head.headSHA256 == last.hash)
                #expect(head.broker == broker.service.brokerIdentity)
            }
        }
    }

    @Test("while the log is unreachable a release is refused (log-unavailable, audited log-append-failed)")
    func unreachableRelease() async throws {
        let log = try KBSTestLog()
        try await log.run { logClient in
            let switchable = SwitchableLog(logClient)
            let broker = try KBSTestBroker { $0.transparencyLog = switchable }
            try await broker.app().test(.router) { client in
                try await broker.put(client, "acme/key/model", "the model key", policy: broker.simulatedPolicy)
                let session = try #require(try await broker.attest(client, teeKey: .generateP256()).1)
                switchable.down.withLock { $0 = true }
                let refused = try await client.execute(
                    uri: "/kbs/v0/resource/acme/key/model",
                    method: .get,
                    headers: [.authorization: "Bearer " + session.token]
                )
                #expect(refused.status == .serviceUnavailable)
                #expect(KBSTestBroker.problem(refused) == "log-unavailable")
                #expect(try await broker.auditOutcomes(.denial) == ["log-append-failed"])
                #expect(try await broker.auditOutcomes(.release).isEmpty)
                #expect(try await broker.service.storage.releases(path: "acme/key/model").isEmpty)
                switchable.down.withLock { $0 = false }
                let released = try await client.execute(
                    uri: "/kbs/v0/resource/acme/key/model",
                    method: .get,
                    headers: [.authorization: "Bearer " + session.token]
                )
                #expect(released.status == .ok)
                #expect(try await Self.entries(logClient).map(\.kind) == [.policy, .keyRelease])
            }
        }
    }

    @Test("a policy set while the log is unreachable is audited and logged by the next anchor")
    func unreachablePolicy() async throws {
        let log = try KBSTestLog()
        try await log.run { logClient in
            let switchable = SwitchableLog(logClient)
            let broker = try KBSTestBroker { $0.transparencyLog = switchable }
            try await broker.app().test(.router) { client in
                switchable.down.withLock { $0 = true }
                try await broker.put(client, "acme/key/model", "s", policy: broker.simulatedPolicy)
                let failed = try await broker.service.storage.allAuditEntries().filter {
                    $0.event.outcome == "log-append-failed"
                }
                #expect(failed.map(\.event.action) == ["log-policy v1"])
                #expect(try await broker.service.storage.unloggedPolicyVersions().count == 1)
                let down = try await client.execute(
                    uri: "/kbs/v0/admin/audit/anchor",
                    method: .post,
                    headers: try broker.bearer(broker.admin)
                )
                #expect(KBSTestBroker.problem(down) == "log-unavailable")
                switchable.down.withLock { $0 = false }
                let anchored = try await client.execute(
                    uri: "/kbs/v0/admin/audit/anchor",
                    method: .post,
                    headers: try broker.bearer(broker.admin)
                )
                #expect(String(buffer: anchored.body).contains(#""policy_versions_logged":1"#))
                #expect(try await broker.service.storage.unloggedPolicyVersions().isEmpty)
                #expect(try await Self.entries(logClient).map(\.kind) == [.policy, .auditHead])
            }
        }
    }
}

extension SHA256Digest {
    /// SHA-256 of a string's UTF-8.
    static func of(_ text: String) -> SHA256Digest { SHA256.hash(data: Array(text.utf8)) }
}
