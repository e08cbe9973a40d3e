import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import VeilAttestation
import VeilAttesters
import VeilKeyBroker
import VeilKeyBrokerClient
import VeilKeyBrokerServer
import VeilKeys
import VeilSimulated
import _VeilBytes

/// A clock the tests move by hand.
final class ManualClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The real broker (VeilKeyBrokerServer's router over a fresh SQLite store) served on loopback, for the guest
/// client end to end: real HTTP, real evidence (the SIMULATED TEE, swtpm), real verification.
final class E2EBroker: Sendable {
    let directory: URL
    let clock = ManualClock()
    let service: KeyBrokerService
    let admin: SigningPrivateKey
    let simulated: SimulatedAttester
    let wrap: ResourceWrapper
    /// The SIMULATED measurement of the workload (hex).
    let measurement: String

    /// A resource policy that names `simulated` and pins the workload's measurement.
    var simulatedPolicy: String {
        #"{"version":1,"platforms":["simulated"],"reference_values":{"simulated":{"measurement":["\#(measurement)"]}}}"#
    }

    init(
        verifiers: [any AttestationVerifier] = [SimulatedTEE.Verifier()],
        collateral: any CollateralProvider = BundleCollateralProvider(),
        wrap: @escaping ResourceWrapper = KeyBrokerServer.jweWrapper
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-kbs-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let workload = directory.appendingPathComponent("workload.bin")
        try Data("the measured workload".utf8).write(to: workload)
        simulated = SimulatedAttester(
            rootDirectory: directory.appendingPathComponent("sim").path,
            executable: workload.path
        )
        measurement = Hex.encode(try SimulatedAttester.measure(workload.path))
        admin = try SigningPrivateKey.generate(.ed25519)
        let clock = self.clock
        service = KeyBrokerService(
            storage: try SQLiteKeyBrokerStorage(path: directory.appendingPathComponent("kbs.sqlite").path),
            kek: .random(),
            signer: TokenSigner(key: P256.Signing.PrivateKey()),
            settings: KeyBrokerSettings(
                verifier: EvidenceBundle.Verifier(verifiers: verifiers),
                adminKeys: [AdminKey(key: admin.publicKey, role: .admin)],
                collateral: collateral
            ),
            clock: { clock.now }
        )
        self.wrap = wrap
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Stores a resource with an optional resource policy (JSON).
    func put(_ path: String, _ secret: String, policy: String? = nil) async throws {
        try await service.storage.migrate()
        let identity = try await service.authenticateAdmin(try AdminToken.sign(key: admin, now: clock.now))
        _ = try await service.putResource(
            try ResourceID(path: path),
            secret: SecureBytes(Array(secret.utf8)),
            policy: try policy.map { try ReleasePolicy.decode(Data($0.utf8)) },
            by: identity
        )
    }

    /// Sets a repository (tenant) policy.
    func setRepositoryPolicy(_ repository: String, _ policy: String) async throws {
        try await service.storage.migrate()
        let identity = try await service.authenticateAdmin(try AdminToken.sign(key: admin, now: clock.now))
        try await service.setPolicy(.repository(repository), try ReleasePolicy.decode(Data(policy.utf8)), by: identity)
    }

    /// Serves the broker on 127.0.0.1 (a free port) while `body` runs with a client for it.
    func serve(_ body: @escaping @Sendable (KBSClient, URL) async throws -> Void) async throws {
        try await service.storage.migrate()
        let app = Application(
            router: KeyBrokerServer.buildRouter(service, rateLimit: (10_000, 10_000), wrap: wrap),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.live) { http in
            let port = try #require(http.port)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)"))
            try await body(KBSClient(baseURL: url), url)
        }
    }

    /// The problem type slug of a raw exchange (for what the client API does not expose, such as replays).
    static func post(_ url: URL, _ path: String, body: [UInt8], cookie: String?) async throws -> (Int, [UInt8], String?)
    {
        var request = HTTPClientRequest(url: url.absoluteString + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let cookie { request.headers.add(name: "Cookie", value: "kbs-session-id=\(cookie)") }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = Array(buffer: try await response.body.collect(upTo: 1 << 20))
        let setCookie = response.headers["set-cookie"].first.flatMap { $0.split(separator: ";").first }
            .map { String($0.dropFirst("kbs-session-id=".count)) }
        return (Int(response.status.code), bytes, setCookie)
    }

    static func problemSlug(_ body: [UInt8]) -> String? {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        return (object?["type"] as? String)?.replacingOccurrences(of: KBSClientError.problemTypeBase, with: "")
    }
}

/// A verifier standing for a debug-enabled TEE: the SIMULATED TEE's verification, with the debug flag set (as an
/// SEV-SNP report with the DEBUG policy bit or a TDX quote with TD attributes DEBUG would carry).
struct DebugEnabledVerifier: AttestationVerifier {
    let inner = SimulatedTEE.Verifier()
    var platform: AttestationPlatform { inner.platform }

    func verify(_ evidence: [UInt8], context: VerificationContext) -> VerificationReport {
        let report = inner.verify(evidence, context: context)
        guard let claims = report.claims else { return report }
        return VerificationReport(
            platform: report.platform,
            checks: report.checks,
            claims: VerifiedClaims(
                platform: claims.platform,
                claims: claims.claims,
                isDebug: true,
                tcbStatus: claims.tcbStatus,
                advisoryIDs: claims.advisoryIDs,
                reportData: claims.reportData,
                missingCollateral: claims.missingCollateral,
                checks: claims.checks,
                context: context
            ),
            unverifiedClaims: report.unverifiedClaims
        )
    }
}
