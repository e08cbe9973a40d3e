import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VeilAttestation
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerServer
import VeilLogClient
import VeilTransparency
import _VeilBytes

/// `require_logged_release` over HTTP with a real log (VeilLogServer on loopback): only a node whose measurements
/// are a release in a fresh checkpoint of a pinned log gets the key; forks, stale checkpoints and inclusions of
/// other releases are refused with `veil.log-release-error`.
@Suite("Key broker: logged releases (HTTP, real log)")
struct KBSLogReleaseTests {
    static let loggedPolicy = #"{"version":1,"platforms":["simulated"],"require_logged_release":true}"#

    static func resource(_ client: some TestClientProtocol, _ path: String, bearer: String) async throws -> TestResponse
    {
        try await client.execute(
            uri: "/kbs/v0/resource/" + path,
            method: .get,
            headers: [.authorization: "Bearer " + bearer]
        )
    }

    /// Attests with `inclusion` stapled (or none) and asks for the resource; returns the token's claims and the
    /// resource response.
    static func attempt(
        _ broker: KBSTestBroker,
        _ client: some TestClientProtocol,
        inclusion: String?,
        teeKey: KBS.TEEKey = .generateP256()
    ) async throws -> (claims: [String: Any], response: TestResponse) {
        let extra = inclusion.map { [KeyBrokerService.logInclusionMember: $0] } ?? [:]
        let session = try #require(try await broker.attest(client, teeKey: teeKey, extra: extra).1)
        return (
            try KBSTestBroker.claims(session.token),
            try await resource(client, "acme/key/model", bearer: session.token)
        )
    }

    @Test("a logged node is released; the EAR carries veil.log-release; an unlogged node is denied")
    func loggedAndUnlogged() async throws {
        let log = try KBSTestLog()
        try await log.run { logClient in
            let broker = try KBSTestBroker { $0.transparency = log.verifier() }
            let bundle = try await KBSTestLog.staple(KBSTestLog.release(broker.measurement), logClient)
            try await broker.app().test(.router) { client in
                try await broker.put(client, "acme/key/model", "the model key", policy: Self.loggedPolicy)

                let unlogged = try await Self.attempt(broker, client, inclusion: nil)
                #expect(unlogged.claims["veil.log-release"] == nil)
                #expect(KBSTestBroker.problem(unlogged.response) == "policy-denied")

                let teeKey = KBS.TEEKey.generateP256()
                let logged = try await Self.attempt(
                    broker,
                    client,
                    inclusion: bundle.runtimeDataValue,
                    teeKey: teeKey
                )
                let release = try #require(logged.claims["veil.log-release"] as? [String: Any])
                #expect(release["origin"] as? String == KBSTestLog.origin)
                #expect(release["name"] as? String == "veil-node")
                #expect(release["version"] as? String == "1.0.0")
                #expect(release["leaf_index"] as? Int == Int(bundle.leafIndex))
                #expect(logged.response.status == .ok)
                #expect(
                    Array(try JWE.open(Array(buffer: logged.response.body), with: teeKey))
                        == Array("the model key".utf8)
                )
                #expect(try await broker.auditOutcomes(.denial) == ["resource.require_logged_release"])
            }
        }
    }

    @Test("log_origins: a release logged in another trusted log is denied")
    func logOrigins() async throws {
        let log = try KBSTestLog()
        try await log.run { logClient in
            let broker = try KBSTestBroker { $0.transparency = log.verifier() }
            let bundle = try await KBSTestLog.staple(KBSTestLog.release(broker.measurement), logClient)
            try await broker.app().test(.router) { client in
                try await broker.put(
                    client,
                    "acme/key/model",
                    "s",
                    policy:
                        #"{"version":1,"platforms":["simulated"],"require_logged_release":true,"log_origins":["prod.example/log"]}"#
                )
                let attempt = try await Self.attempt(broker, client, inclusion: bundle.runtimeDataValue)
                #expect(attempt.claims["veil.log-release"] != nil)
                #expect(KBSTestBroker.problem(attempt.response) == "policy-denied")
                #expect(try await broker.auditOutcomes(.denial) == ["resource.require_logged_release"])
            }
        }
    }

    @Test("forged, stale and mismatched inclusions give veil.log-release-error and no release")
    func refusedInclusions() async throws {
        let log = try KBSTestLog()
        try await log.run { logClient in
            let broker = try KBSTestBroker { $0.transparency = log.verifier(maximumCheckpointAge: 120) }
            let genuine = try await KBSTestLog.staple(KBSTestLog.release(broker.measurement), logClient)
            // Another release (other code) in the same log: its inclusion is genuine but not this node's.
            let otherCode = String(repeating: "0f", count: 48)
            let other = try await KBSTestLog.staple(KBSTestLog.release(otherCode, version: "6.6.6"), logClient)
            let checkpoint = try Checkpoint(text: try SignedNote(parsing: genuine.checkpoint).text)
            let now = Date()

            // The same origin, another key: a log nobody pinned signs the same tree.
            var otherKey = genuine
            otherKey.checkpoint = try CheckpointSigner(origin: KBSTestLog.origin, key: .init())
                .sign(treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, at: now)
            // The pinned key signs another tree (the log equivocates): the stapled proof leads to another root.
            var otherTree = genuine
            otherTree.checkpoint = try log.signer.sign(
                treeSize: checkpoint.treeSize,
                rootHash: Array(SHA256.hash(data: Array("another tree".utf8))),
                at: now
            )
            // The node staples the inclusion of a release that lists other code.
            let cases: [(String, InclusionBundle, String)] = [
                ("other key", otherKey, "untrustedSignature"),
                ("other tree", otherTree, "badProof"),
                ("other release", other, "notIncluded"),
            ]
            try await broker.app().test(.router) { client in
                try await broker.put(client, "acme/key/model", "s", policy: Self.loggedPolicy)
                for (name, bundle, code) in cases {
                    let attempt = try await Self.attempt(broker, client, inclusion: bundle.runtimeDataValue)
                    #expect(attempt.claims["veil.log-release"] == nil, "\(name)")
                    let error = try #require(attempt.claims["veil.log-release-error"] as? String, "\(name)")
                    #expect(error.hasPrefix(code + ":"), "\(name): \(error)")
                    #expect(KBSTestBroker.problem(attempt.response) == "policy-denied", "\(name)")
                }
                // Stale: the checkpoint is older than the broker's maximum age by the time the node attests.
                broker.clock.advance(180)
                let stale = try await Self.attempt(broker, client, inclusion: genuine.runtimeDataValue)
                #expect((stale.claims["veil.log-release-error"] as? String)?.hasPrefix("stale:") == true)
                #expect(KBSTestBroker.problem(stale.response) == "policy-denied")
                #expect(
                    try await broker.auditOutcomes(.denial)
                        == Array(repeating: "resource.require_logged_release", count: 4)
                )
                #expect(try await broker.auditOutcomes(.release).isEmpty)
            }
        }
    }

    @Test("a broker that trusts no log turns a stapled inclusion into veil.log-release-error")
    func noTrustedLog() async throws {
        let log = try KBSTestLog()
        try await log.run { logClient in
            let broker = try KBSTestBroker()
            let bundle = try await KBSTestLog.staple(KBSTestLog.release(broker.measurement), logClient)
            try await broker.app().test(.router) { client in
                try await broker.put(client, "acme/key/model", "s", policy: Self.loggedPolicy)
                let attempt = try await Self.attempt(broker, client, inclusion: bundle.runtimeDataValue)
                #expect(attempt.claims["veil.log-release"] == nil)
                #expect(
                    (attempt.claims["veil.log-release-error"] as? String)?.contains("trusts no transparency log")
                        == true
                )
                #expect(KBSTestBroker.problem(attempt.response) == "policy-denied")
            }
        }
    }
}
