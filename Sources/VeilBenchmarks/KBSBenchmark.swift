import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import VeilAttestation
import VeilAttesters
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerClient
import VeilKeyBrokerServer
import VeilServerKit
import VeilKeys
import VeilSEVSNP
import VeilSimulated
import _VeilBytes

/// `veil bench kbs`: the key broker's full handshake and release on loopback (auth, challenge, evidence, attest,
/// token, resource, JWE unwrap), through the real client and server, with SIMULATED evidence and with the cost of
/// verifying a real SEV-SNP report inside each attestation.
public struct KBSBenchmark: Sendable {
    /// The attestation vectors directory (`shared/attestation-vectors`).
    public var vectors: String
    /// Sequential handshakes per mode (latency).
    public var iterations: Int
    /// Concurrent clients for the throughput phase.
    public var concurrency: Int
    /// Releases in the throughput phase, per mode.
    public var releases: Int

    /// A benchmark with these settings.
    public init(vectors: String, iterations: Int, concurrency: Int, releases: Int) {
        self.vectors = vectors
        self.iterations = iterations
        self.concurrency = concurrency
        self.releases = releases
    }

    /// One mode's figures. Latencies are milliseconds per full handshake and release; `p50Ms` and `p99Ms` are
    /// nearest-rank percentiles (``Samples``), `meanMs` the mean.
    public struct Measurement: Encodable, Sendable {
        /// `simulated` or `simulated+snp-verify`.
        public let mode: String
        /// Median latency.
        public let p50Ms: Double
        /// 99th-percentile latency.
        public let p99Ms: Double
        /// Mean latency.
        public let meanMs: Double
        /// Releases per second, one after another.
        public let sequentialReleasesPerSecond: Double
        /// Releases per second with `concurrency` clients.
        public let concurrentReleasesPerSecond: Double
        /// Concurrent clients of the throughput phase.
        public let concurrency: Int
        /// The median cost of one SEV-SNP verification, in the mode that pays it.
        public let verificationP50Ms: Double?
        /// Sequential handshakes measured.
        public let iterations: Int
    }

    /// Runs both modes against an in-process broker on loopback.
    public func run() async throws -> [Measurement] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-bench-kbs-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let workload = directory.appendingPathComponent("workload.bin")
        try Data("the measured workload".utf8).write(to: workload)
        let attester = SimulatedAttester(
            rootDirectory: directory.appendingPathComponent("sim").path,
            executable: workload.path
        )
        let snp = try SNPVerificationCost(vectors: vectors)

        var results: [Measurement] = []
        for (mode, verifier) in [
            ("simulated", SimulatedTEE.Verifier() as any AttestationVerifier),
            ("simulated+snp-verify", SNPCostVerifier(cost: snp)),
        ] {
            results.append(
                try await measure(
                    mode: mode,
                    verifier: verifier,
                    attester: attester,
                    directory: directory.appendingPathComponent(mode),
                    verification: mode == "simulated" ? nil : snp.medianMs(runs: 50)
                )
            )
        }
        return results
    }

    func measure(
        mode: String,
        verifier: any AttestationVerifier,
        attester: SimulatedAttester,
        directory: URL,
        verification: Double?
    ) async throws -> Measurement {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "veil.bench.kbs")
        logger.logLevel = .critical
        let log = SafeLogger(wrapping: logger)
        let admin = try SigningPrivateKey.generate(.ed25519)
        let service = KeyBrokerService(
            storage: try SQLiteKeyBrokerStorage(path: directory.appendingPathComponent("kbs.sqlite").path),
            kek: .random(),
            signer: TokenSigner(key: P256.Signing.PrivateKey()),
            settings: KeyBrokerSettings(
                verifier: EvidenceBundle.Verifier(verifiers: [verifier]),
                adminKeys: [AdminKey(key: admin.publicKey, role: .admin)]
            ),
            log: log
        )
        try await service.storage.migrate()
        let identity = try await service.authenticateAdmin(try AdminToken.sign(key: admin))
        let resource = try KBS.ResourcePath("bench/key/model")
        _ = try await service.putResource(
            try ResourceID(path: resource.description),
            secret: SecureBytes(randomCount: 32),
            policy: try ReleasePolicy.decode(
                Data(#"{"version":1,"platforms":["simulated"],"accept_any_measurement":true}"#.utf8)
            ),
            by: identity
        )
        let servers = ServerGroup(stages: ["kbs"], trapsSignals: false, logger: logger)
        let server = try await servers.start("kbs") { onServerRunning in
            Application(
                router: KeyBrokerServer.buildRouter(service, rateLimit: (1e9, 1e9), log: log),
                configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "veil-bench-kbs"),
                onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                logger: logger
            )
        }
        let iterations = self.iterations
        let releases = self.releases
        let concurrency = self.concurrency
        do {
            let client = KBSClient(baseURL: server.url)
            @Sendable func release() async throws {
                let session = try await client.attest(tee: .sample, attester: attester, teeKey: .generateP256())
                let secret = try await client.resource(resource, session: session)
                guard secret.count == 32 else { throw BenchmarkError("wrong secret size", remedy: "Report it.") }
            }
            for _ in 0..<10 { try await release() }  // warm up connections and caches
            var latencies: [Double] = []
            let sequentialStart = ContinuousClock.now
            for _ in 0..<iterations {
                let start = ContinuousClock.now
                try await release()
                latencies.append((ContinuousClock.now - start).seconds * 1000)
            }
            let sequentialRate = Double(iterations) / (ContinuousClock.now - sequentialStart).seconds
            let concurrentStart = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { workers in
                for worker in 0..<concurrency {
                    let share = releases / concurrency + (worker < releases % concurrency ? 1 : 0)
                    workers.addTask { for _ in 0..<share { try await release() } }
                }
                try await workers.waitForAll()
            }
            let concurrentRate = Double(releases) / (ContinuousClock.now - concurrentStart).seconds
            let samples = Samples(latencies)
            await servers.shutdown()
            return Measurement(
                mode: mode,
                p50Ms: samples.p50,
                p99Ms: samples.p99,
                meanMs: samples.mean,
                sequentialReleasesPerSecond: sequentialRate,
                concurrentReleasesPerSecond: concurrentRate,
                concurrency: concurrency,
                verificationP50Ms: verification,
                iterations: iterations
            )
        } catch {
            await servers.shutdown()
            throw BenchmarkError(
                "the benchmark handshake failed: \(error)",
                remedy: "Run the KBS tests to find out why."
            )
        }
    }
}

/// Verifying the shared real SEV-SNP vector (Milan, VCEK chain to the pinned ARK, nothing cached), the work a
/// broker does for each SNP attestation.
struct SNPVerificationCost: Sendable {
    let report: [UInt8]
    let collateral: BundleCollateralProvider
    let time: Date

    init(vectors: String) throws {
        let root = URL(fileURLWithPath: vectors).appendingPathComponent("sev-snp/milan-v2-vcek-virtee")
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent("report.bin").path) else {
            throw BenchmarkError(
                "cannot read sev-snp/milan-v2-vcek-virtee/report.bin under \(vectors).",
                remedy: "Pass --vectors."
            )
        }
        report = Array(data)
        collateral = BundleCollateralProvider(try FileCollateralProvider(url: root).items())
        time = ISO8601DateFormatter().date(from: "2024-06-01T00:00:00Z") ?? Date()
    }

    /// Verifies once, cold; fails loudly if the vector does not verify.
    func verify() {
        let context = VerificationContext(time: time, collateral: collateral, signatureCache: SignatureCache())
        let report = SEVSNP.Verifier().verify(self.report, context: context)
        precondition(report.claims != nil, "the SEV-SNP vector did not verify: \(report.checks.filter { !$0.passed })")
    }

    /// The median milliseconds of `runs` cold verifications.
    func medianMs(runs: Int) -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            verify()
            times.append((ContinuousClock.now - start).seconds * 1000)
        }
        return Samples(times).median
    }
}

/// The SIMULATED TEE's verifier, paying the cost of one real SEV-SNP verification inside every attestation.
struct SNPCostVerifier: AttestationVerifier {
    let cost: SNPVerificationCost
    let inner = SimulatedTEE.Verifier()
    var platform: AttestationPlatform { inner.platform }

    func verify(_ evidence: [UInt8], context: VerificationContext) -> VerificationReport {
        cost.verify()
        return inner.verify(evidence, context: context)
    }
}

extension KBSBenchmark {
    /// The summary `veil bench kbs --format text` prints: each mode's latency and throughput against its target
    /// (5 ms p50 plus the evidence verification it includes).
    public static func summary(_ results: [Measurement], releases: Int) -> String {
        let iterations = results.first?.iterations ?? 0
        let concurrency = results.first?.concurrency ?? 0
        var lines = [
            "veil bench kbs — full handshake + release on loopback (auth, challenge, evidence, attest, token,",
            "resource, JWE unwrap), \(iterations) sequential, then \(releases) with \(concurrency) concurrent clients",
        ]
        for result in results {
            let name = result.mode.padding(toLength: 22, withPad: " ", startingAt: 0)
            var line =
                name
                + String(
                    format: "p50 %7.3f ms  p99 %7.3f ms  %6.0f releases/s sequential  %6.0f releases/s concurrent",
                    result.p50Ms,
                    result.p99Ms,
                    result.sequentialReleasesPerSecond,
                    result.concurrentReleasesPerSecond
                )
            let target = 5 + (result.verificationP50Ms ?? 0)
            line += String(format: "  (target p50 ≤ %.2f ms: ", target) + (result.p50Ms <= target ? "met)" : "MISSED)")
            if let v = result.verificationP50Ms { line += String(format: "  [SNP verification p50 %.3f ms]", v) }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
