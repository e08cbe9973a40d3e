import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import VeilAttestation
import VeilAttesters
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerServer
import VeilKeys
import VeilSimulated
import _VeilBytes

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A broker on a fresh SQLite store, with admin, tenant-admin (acme) and auditor keys, simulated evidence.
final class KBSTestBroker: Sendable {
    let directory: URL
    let clock = TestClock()
    let service: KeyBrokerService
    let admin = try! SigningPrivateKey.generate(.ed25519)
    let tenant = try! SigningPrivateKey.generate(.p256)
    let auditor = try! SigningPrivateKey.generate(.ed25519)
    let attester: SimulatedAttester
    /// The SIMULATED measurement (lowercase hex) of the attester's workload: what a policy pins.
    let measurement: String

    /// A resource policy that names `simulated` and pins this broker's workload measurement.
    var simulatedPolicy: String {
        #"{"version":1,"platforms":["simulated"],"reference_values":{"simulated":{"measurement":["\#(measurement)"]}}}"#
    }

    init(
        adminKeys: Bool = true,
        attestationPolicy: PolicyDocument = .baseline,
        verifiers: [any AttestationVerifier] = [SimulatedTEE.Verifier()],
        configure: (inout KeyBrokerSettings) -> Void = { _ in }
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-kbs-srv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let measured = directory.appendingPathComponent("workload.bin")
        try Data("the measured workload".utf8).write(to: measured)
        attester = SimulatedAttester(
            rootDirectory: directory.appendingPathComponent("sim").path,
            executable: measured.path
        )
        measurement = Hex.encode(try SimulatedAttester.measure(measured.path))
        let storage = try SQLiteKeyBrokerStorage(path: directory.appendingPathComponent("kbs.sqlite").path)
        let keys =
            adminKeys
            ? [
                AdminKey(key: admin.publicKey, role: .admin),
                AdminKey(key: tenant.publicKey, role: .tenantAdmin, repository: "acme"),
                AdminKey(key: auditor.publicKey, role: .auditor),
            ] : []
        let clock = self.clock
        var settings = KeyBrokerSettings(
            verifier: EvidenceBundle.Verifier(verifiers: verifiers),
            adminKeys: keys,
            attestationPolicy: attestationPolicy
        )
        configure(&settings)
        service = KeyBrokerService(
            storage: storage,
            kek: .random(),
            signer: TokenSigner(key: P256.Signing.PrivateKey()),
            settings: settings,
            clock: { clock.now }
        )
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func app(rateLimit: (Double, Double) = (10_000, 10_000)) async throws -> some ApplicationProtocol {
        try await service.storage.migrate()
        return Application(router: KeyBrokerServer.buildRouter(service, rateLimit: rateLimit))
    }

    func bearer(_ key: SigningPrivateKey) throws -> HTTPFields {
        [.authorization: "Bearer " + (try AdminToken.sign(key: key, now: clock.now))]
    }

    /// PUTs a resource (and optionally its policy) with the admin key.
    func put(_ client: some TestClientProtocol, _ path: String, _ secret: String, policy: String? = nil) async throws {
        let response = try await client.execute(
            uri: "/kbs/v0/admin/resources/" + path,
            method: .put,
            headers: try bearer(admin),
            body: ByteBuffer(string: secret)
        )
        #expect(response.status == .created, "\(String(buffer: response.body))")
        if let policy {
            let set = try await client.execute(
                uri: "/kbs/v0/admin/policies/resource/" + path,
                method: .put,
                headers: try bearer(admin),
                body: ByteBuffer(string: policy)
            )
            #expect(set.status == .noContent, "\(String(buffer: set.body))")
        }
    }

    struct Attested {
        let cookie: String
        let token: String
        let attestBody: ByteBuffer
    }

    /// auth → challenge → evidence (simulated unless `evidence` makes it) bound to runtime-data → token.
    func attest(
        _ client: some TestClientProtocol,
        teeKey: KBS.TEEKey,
        extra: [String: String] = [:],
        evidence: (@Sendable (ReportDataBinding) async throws -> EvidenceBundle)? = nil,
        alterRuntimeData: (inout [String: Any]) -> Void = { _ in }
    ) async throws -> (TestResponse, Attested?) {
        let (cookie, nonce) = try await auth(client)
        let runtimeData = KBS.RuntimeData(nonce: nonce, teePublicKey: teeKey.publicJWK, extra: extra).canonicalJSON()
        let binding = ReportDataBinding.kbs(runtimeData: runtimeData, hash: .sha384)
        let bundle: EvidenceBundle
        if let evidence {
            bundle = try await evidence(binding)
        } else {
            bundle = try await attester.evidence(binding: binding)
        }
        var runtimeObject = try #require(try JSONSerialization.jsonObject(with: Data(runtimeData)) as? [String: Any])
        alterRuntimeData(&runtimeObject)
        let body: [String: Any] = [
            "runtime-data": runtimeObject,
            "tee-evidence": try JSONSerialization.jsonObject(with: Data(bundle.json())),
        ]
        let attestBody = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
        let response = try await client.execute(
            uri: "/kbs/v0/attest",
            method: .post,
            headers: [.cookie: "kbs-session-id=" + cookie],
            body: attestBody
        )
        guard response.status == .ok else { return (response, nil) }
        let token = try #require(
            (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["token"] as? String
        )
        return (response, Attested(cookie: cookie, token: token, attestBody: attestBody))
    }

    func auth(_ client: some TestClientProtocol) async throws -> (cookie: String, nonce: String) {
        let response = try await client.execute(
            uri: "/kbs/v0/auth",
            method: .post,
            body: ByteBuffer(string: #"{"version":"0.4.0","tee":"sample","extra-params":""}"#)
        )
        #expect(response.status == .ok)
        let setCookie = try #require(response.headers[.setCookie])
        #expect(setCookie.contains("HttpOnly"))
        let cookie = String(try #require(setCookie.split(separator: ";").first).dropFirst("kbs-session-id=".count))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        return (cookie, try #require(object["nonce"] as? String))
    }

    /// The claims of a token (unverified: the tests read what the broker put there).
    static func claims(_ token: String) throws -> [String: Any] {
        let parts = token.split(separator: ".")
        let payload = try Base64URL.decode(String(parts[1]))
        return try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
    }

    /// The outcomes of the audit trail's entries of one kind, in order.
    func auditOutcomes(_ kind: AuditEvent.Kind) async throws -> [String] {
        try await service.storage.allAuditEntries().filter { $0.event.kind == kind }.map(\.event.outcome)
    }

    /// The problem type slug of a response (and checks the media type).
    static func problem(_ response: TestResponse) -> String {
        #expect(response.headers[.contentType] == "application/problem+json")
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]
        return (object?["type"] as? String ?? "").replacingOccurrences(of: Problem.typeBase + "kbs/", with: "")
    }
}
