import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VeilAttestation
import VeilAttesters
import VeilLogClient
import VeilLogServer
import VeilNodeServer
import VeilSimulated
import VeilTransparency
import VeilWire
import _VeilBytes

/// The node's side of freshness and of the log (docs/protocols/node.md): evidence over a client's `?nonce=`,
/// validated and bounded, and the release inclusion bound in runtime data and stapled in the bundle.
@Suite("Node fresh evidence and log inclusion")
struct NodeFreshEvidenceTests {
    static func runtime(_ bundle: AttestationBundle) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(bundle.runtimeData)) as? [String: Any])
    }

    @Test("?nonce= yields new evidence over runtime data with exactly that nonce and the current keys")
    func freshEvidence() async throws {
        let keyring = try await NodeHarness.keyring()
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend()).test(.router) { client in
            let plain = try AttestationBundle(
                json: Array(
                    try await client.execute(uri: "/.well-known/veil/attestation", method: .get).body.readableBytesView
                )
            )
            let nonce = Base64URL.encode(SymmetricKey.randomNonSecretBytes(count: 32))
            let response = try await client.execute(uri: "/.well-known/veil/attestation?nonce=\(nonce)", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let fresh = try AttestationBundle(json: Array(response.body.readableBytesView))
            #expect(fresh.bindingProblems().isEmpty)
            #expect(try Self.runtime(fresh)["nonce"] as? String == nonce)
            #expect(try Self.runtime(plain)["nonce"] as? String != nonce)
            #expect(fresh.keyConfigs == plain.keyConfigs)
            #expect(fresh.nodeID == plain.nodeID)
            // The evidence verifies and binds that nonce (the verified kbs_nonce claim).
            let report = EvidenceBundle.Verifier(verifiers: [SimulatedTEE.Verifier()]).verify(
                fresh.evidenceJSON,
                context: VerificationContext(time: Date(), options: VerificationOptions(allowSimulated: true))
            )
            #expect(report.claims?.claims["kbs_nonce"] == .string(nonce))
            // Without a nonce the node serves its current bundle unchanged.
            let again = try await client.execute(uri: "/.well-known/veil/attestation", method: .get)
            #expect(Array(again.body.readableBytesView) == plain.json())
        }
    }

    @Test("malformed nonces are refused with invalid-nonce problem details")
    func invalidNonces() async throws {
        let keyring = try await NodeHarness.keyring()
        let valid = Base64URL.encode([UInt8](repeating: 9, count: 32))
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend()).test(.router) { client in
            for query in [
                "nonce=" + Base64URL.encode([UInt8](repeating: 1, count: 8)),  // too short
                "nonce=" + Base64URL.encode([UInt8](repeating: 1, count: 65)),  // too long
                "nonce=" + Base64.encode([UInt8](repeating: 0xfb, count: 32)),  // base64 with + / =
                "nonce=" + valid + "%22",  // a quote: never into runtime-data JSON
                "nonce=" + valid + "&nonce=" + valid,  // twice
                "nonce=",
            ] {
                let response = try await client.execute(uri: "/.well-known/veil/attestation?\(query)", method: .get)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try #require(
                    JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                )
                #expect(problem["type"] as? String == "https://veil.dev/problems/node/invalid-nonce", "\(query)")
            }
        }
    }

    /// An attester that holds every attestation until released, to observe the node's concurrency bound.
    final class SlowAttester: Attester, @unchecked Sendable {
        let base: SimulatedAttester
        let lock = NSLock()
        var started = 0
        init(base: SimulatedAttester) { self.base = base }
        var tee: AttestationPlatform { base.tee }
        func evidence(reportData: [UInt8]) async throws(AttesterError) -> EvidenceBundle {
            lock.withLock { started += 1 }
            try? await Task.sleep(for: .milliseconds(600))
            return try await base.evidence(reportData: reportData)
        }
    }

    @Test("attestations over client nonces are bounded: beyond the limit, 503 attestation-busy with Retry-After")
    func boundedConcurrency() async throws {
        let attester = SlowAttester(base: try NodeHarness.attester())
        let keyring = NodeKeyring(attestor: LocalNodeAttestor(attester: attester), rotationInterval: nil)
        try await keyring.start()
        let startedBefore = attester.lock.withLock { attester.started }
        let app = NodeHarness.app(
            keyring: keyring,
            backend: NodeHarness.backend(),
            limits: NodeLimits(maximumConcurrentAttestations: 2)
        )
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))/.well-known/veil/attestation?nonce="
            let statuses = try await withThrowingTaskGroup(of: (UInt, String?).self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let nonce = Base64URL.encode(SymmetricKey.randomNonSecretBytes(count: 32))
                        let response = try await HTTPClient.shared.execute(
                            HTTPClientRequest(url: base + nonce),
                            timeout: .seconds(30)
                        )
                        _ = try await response.body.collect(upTo: 1 << 22)
                        return (response.status.code, response.headers.first(name: "Retry-After"))
                    }
                }
                var all: [(UInt, String?)] = []
                for try await status in group { all.append(status) }
                return all
            }
            let ok = statuses.filter { $0.0 == 200 }.count
            let busy = statuses.filter { $0.0 == 503 }
            #expect(ok >= 1, "\(statuses.map(\.0))")
            #expect(ok + busy.count == 6)
            #expect(!busy.isEmpty)
            #expect(busy.allSatisfy { $0.1 == "1" })
            // Never more attestations than admitted requests: no amplification.
            #expect(attester.lock.withLock { attester.started } - startedBefore == ok)
        }
    }

    @Test("the release inclusion is fetched from a real log, bound as veil-log-inclusion and stapled as log_inclusion")
    func logInclusionStapled() async throws {
        let signer = try CheckpointSigner(origin: "log.test/node", key: Curve25519.Signing.PrivateKey())
        let service = LogService(storage: InMemoryLogStorage(), signer: signer, submitters: [])
        try await Application(router: LogServer.buildRouter(service)).test(.live) { logClient in
            let attester = try NodeHarness.attester()
            let measurement = try SimulatedAttester.measure(attester.executable)
            let release = LogEntry.release(
                LogEntry.Release(
                    name: "veil-node",
                    version: "1.2.3",
                    measurements: [
                        TEEMeasurement(platform: .simulated, register: "measurement", value: Hex.encode(measurement))
                    ],
                    source: .init(repository: "https://veil.dev/veil", revision: "abc")
                )
            )
            // The file `veil release --out` writes, read back.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("release-\(UUID()).json")
            try Data(release.leafData).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            #expect(try ReleaseInclusionSource.readEntry(path: file.path) == release)
            let log = try TransparencyLogClient(url: "http://127.0.0.1:\(logClient.port ?? 0)")
            let source = try ReleaseInclusionSource(entry: release, log: log)

            // Not logged yet: the node cannot attest (it will not serve without its proof).
            let unlogged = NodeKeyring(
                attestor: LocalNodeAttestor(attester: attester, inclusionSource: source),
                rotationInterval: nil
            )
            await #expect(throws: LogClientError.self) { try await unlogged.start() }

            _ = try await service.append(release)
            let keyring = NodeKeyring(
                attestor: LocalNodeAttestor(attester: attester, inclusionSource: source, tenant: "acme"),
                rotationInterval: nil
            )
            try await keyring.start()
            let bundle = try #require(await keyring.currentBundle())
            let stapled = try #require(bundle.logInclusion)
            let runtime = try Self.runtime(bundle)
            #expect(runtime["veil-log-inclusion"] as? String == Base64URL.encode(Array(try stapled.encoded())))
            #expect(runtime["veil-tenant"] as? String == "acme")
            let inclusion = stapled
            let verifier = TransparencyVerifier(logs: [signer.logKey], maximumCheckpointAge: 300)
            let (verified, matched) = try verifier.verifyRelease(
                platform: "simulated",
                claims: ["measurement": Hex.encode(measurement)],
                bundle: inclusion,
                now: Date()
            )
            #expect(matched.version == "1.2.3")
            #expect(verified.leafIndex == 0)
            // The served JSON staples the same object, and fresh-nonce evidence binds it too.
            let fresh = try AttestationBundle(
                json: try #require(
                    try await keyring.freshBundleJSON(nonce: Base64URL.encode([UInt8](repeating: 3, count: 32)))
                )
            )
            #expect(try #require(fresh.logInclusion) == inclusion)
            #expect(
                try Self.runtime(fresh)["veil-log-inclusion"] as? String
                    == Base64URL.encode(Array(try stapled.encoded()))
            )

            // A release file that holds another kind of entry is refused up front.
            let model = LogEntry.model(
                LogEntry.Model(
                    name: "m",
                    manifestSHA256: String(repeating: "00", count: 32),
                    ownerKey: Base64URL.encode([UInt8](repeating: 1, count: 32))
                )
            )
            try Data(model.leafData).write(to: file)
            #expect(throws: NodeReleaseError.self) { try ReleaseInclusionSource.readEntry(path: file.path) }
        }
    }
}
