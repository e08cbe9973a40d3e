import Foundation
import VeilAttestation
import VeilAzureVTPM
import VeilSEVSNP
import VeilSGX
import VeilTDX

/// `veil bench attest`: verification latency per platform, cold (every signature checked) and warm (the
/// certificate chain and collateral signatures cached), over the shared real vectors.
public struct AttestBenchmark: Sendable {
    /// The attestation vectors directory (`shared/attestation-vectors`).
    public var vectors: String
    /// Verifications per measurement (cold and warm each).
    public var iterations: Int

    /// A benchmark over the vectors in `vectors`, `iterations` verifications per measurement.
    public init(vectors: String, iterations: Int) {
        self.vectors = vectors
        self.iterations = iterations
    }

    /// One platform's latencies, in milliseconds per full verification (parse, chain, signatures, collateral,
    /// policy). `coldMs` and `warmMs` are medians and `warmP99Ms` the 99th percentile, nearest-rank (``Samples``).
    public struct Measurement: Encodable, Sendable {
        /// The platform (`sev-snp`, `tdx`, `sgx`, `azure-sev-snp-vtpm`, `azure-tdx-vtpm`).
        public let platform: String
        /// Median milliseconds with nothing cached.
        public let coldMs: Double
        /// Median milliseconds with the certificate chain and collateral signatures cached.
        public let warmMs: Double
        /// 99th-percentile milliseconds, warm.
        public let warmP99Ms: Double
        /// The warm target in milliseconds, for the platforms that have one.
        public let targetMs: Double?
        /// Verifications per measurement.
        public let iterations: Int
    }

    struct Case {
        let platform: String
        let evidence: String
        let collateral: String?
        let time: String
        let options: VerificationOptions
        let verifier: any AttestationVerifier
    }

    /// Measures every platform; throws ``BenchmarkError`` when a vector cannot be read.
    public func run() throws -> [Measurement] {
        let relaxed = VerificationOptions(skipTCBCollateral: true, allowMissingCRL: true)
        let cases = [
            Case(
                platform: "sev-snp",
                evidence: "sev-snp/milan-v2-vcek-virtee/report.bin",
                collateral: "sev-snp/milan-v2-vcek-virtee",
                time: "2024-06-01T00:00:00Z",
                options: .strict,
                verifier: SEVSNP.Verifier()
            ),
            Case(
                platform: "tdx",
                evidence: "tdx/v4-b0c06f-uptodate-dcapqvl/quote.bin",
                collateral: "tdx/v4-b0c06f-uptodate-dcapqvl/collateral.json",
                time: "2025-07-01T00:00:00Z",
                options: .strict,
                verifier: TDX.Verifier()
            ),
            Case(
                platform: "sgx",
                evidence: "sgx/v3-00a067110000-swhardening-dcapqvl/quote.bin",
                collateral: "sgx/v3-00a067110000-swhardening-dcapqvl/collateral.json",
                time: "2025-07-01T00:00:00Z",
                options: .strict,
                verifier: SGX.Verifier()
            ),
            Case(
                platform: "azure-sev-snp-vtpm",
                evidence: "tpm/azure-snp-vtpm-milan-v1-trustee/evidence-v1.json",
                collateral: nil,
                time: "2025-06-01T00:00:00Z",
                options: .strict,
                verifier: AzureVTPM.Verifier()
            ),
            Case(
                platform: "azure-tdx-vtpm",
                evidence: "tpm/azure-tdx-vtpm-trustee/evidence-v1.json",
                collateral: nil,
                time: "2025-06-01T00:00:00Z",
                options: relaxed,
                verifier: AzureVTPM.Verifier()
            ),
        ]
        return try cases.map(measure)
    }

    func measure(_ benchCase: Case) throws -> Measurement {
        let root = URL(fileURLWithPath: vectors)
        guard let evidence = FileManager.default.contents(atPath: root.appendingPathComponent(benchCase.evidence).path)
        else {
            throw BenchmarkError("cannot read \(benchCase.evidence) under \(vectors).", remedy: "Pass --vectors.")
        }
        let bytes = Array(evidence)
        let provider: any CollateralProvider =
            try benchCase.collateral.map {
                let items = try FileCollateralProvider(url: root.appendingPathComponent($0)).items()
                return BundleCollateralProvider(items)
            } ?? BundleCollateralProvider()
        let formatter = ISO8601DateFormatter()
        let time = formatter.date(from: benchCase.time) ?? Date()
        let policies = try PolicyDocument.baseline.policySet(for: nil)

        func once(cache: SignatureCache) -> Double {
            let context = VerificationContext(
                time: time,
                options: benchCase.options,
                collateral: provider,
                signatureCache: cache
            )
            let start = DispatchTime.now().uptimeNanoseconds
            let report = benchCase.verifier.verify(bytes, context: context)
            let result = Appraiser.appraise(report, policies: policies, context: context)
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            precondition(result.verdict != .invalid, "\(benchCase.platform) did not verify: \(result.checks)")
            return Double(elapsed) / 1_000_000
        }
        var cold: [Double] = []
        for _ in 0..<iterations { cold.append(once(cache: SignatureCache())) }
        let shared = SignatureCache()
        _ = once(cache: shared)
        var warm: [Double] = []
        for _ in 0..<iterations { warm.append(once(cache: shared)) }
        let coldSamples = Samples(cold)
        let warmSamples = Samples(warm)
        let target: Double? = benchCase.platform == "sev-snp" ? 2 : benchCase.platform == "tdx" ? 5 : nil
        return Measurement(
            platform: benchCase.platform,
            coldMs: coldSamples.median,
            warmMs: warmSamples.median,
            warmP99Ms: warmSamples.p99,
            targetMs: target,
            iterations: iterations
        )
    }
}

extension AttestBenchmark {
    /// The summary `veil bench attest --format text` prints: each platform's cold and warm verification, and its
    /// target.
    public static func summary(_ results: [Measurement]) -> String {
        var lines = [
            "veil bench attest — \(results.first?.iterations ?? 0) iterations, median ms per full verification (parse, "
                + "chain, ",
            "signatures, collateral, policy); warm = certificate chain and collateral signatures cached",
        ]
        for result in results {
            let target =
                result.targetMs.map {
                    String(format: "  (target ≤ %.0f ms warm: ", $0) + (result.warmMs <= $0 ? "met)" : "MISSED)")
                } ?? ""
            let name = result.platform.padding(toLength: 20, withPad: " ", startingAt: 0)
            lines.append(
                name
                    + String(
                        format: "cold %8.3f ms   warm %8.3f ms   warm p99 %8.3f ms",
                        result.coldMs,
                        result.warmMs,
                        result.warmP99Ms
                    ) + target
            )
        }
        return lines.joined(separator: "\n")
    }
}
