import ArgumentParser
import Foundation
import VeilAttestation
import VeilAzureVTPM
import VeilSEVSNP
import VeilSGX
import VeilTDX

/// `veil bench attest`: verification latency per platform, cold (every signature checked) and warm (the
/// certificate chain and collateral signatures cached), over the shared real vectors.
struct BenchAttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Benchmark offline verification per platform, cold and with the chain cached."
    )

    @Option(help: "The attestation vectors directory (default: ../shared/attestation-vectors).")
    var vectors: String = "../shared/attestation-vectors"

    @Option(help: "Iterations per measurement.")
    var iterations: Int = 200

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    struct Case {
        let platform: String
        let evidence: String
        let collateral: String?
        let time: String
        let options: VerificationOptions
        let verifier: any AttestationVerifier
    }

    struct Measurement: Encodable {
        let platform: String
        let coldMs: Double
        let warmMs: Double
        let warmP99Ms: Double
        let targetMs: Double?
        let iterations: Int
    }

    func validate() throws {
        guard iterations > 0, iterations <= 100_000 else { throw ValidationError("--iterations must be 1...100000.") }
        guard FileManager.default.fileExists(atPath: vectors) else {
            throw ValidationError("the vectors directory \(vectors) does not exist; pass --vectors.")
        }
    }

    func run() throws {
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
        var results: [Measurement] = []
        for benchCase in cases {
            results.append(try measure(benchCase))
        }
        switch format {
        case .json: try JSONOutput.print(results)
        case .text:
            print("veil bench attest — \(iterations) iterations, median ms per full verification (parse, chain, ")
            print("signatures, collateral, policy); warm = certificate chain and collateral signatures cached")
            for result in results {
                let target =
                    result.targetMs.map {
                        String(format: "  (target ≤ %.0f ms warm: ", $0) + (result.warmMs <= $0 ? "met)" : "MISSED)")
                    }
                    ?? ""
                let name = result.platform.padding(toLength: 20, withPad: " ", startingAt: 0)
                print(
                    name
                        + String(
                            format: "cold %8.3f ms   warm %8.3f ms   warm p99 %8.3f ms",
                            result.coldMs,
                            result.warmMs,
                            result.warmP99Ms
                        ) + target
                )
            }
        }
    }

    func measure(_ benchCase: Case) throws -> Measurement {
        let root = URL(fileURLWithPath: vectors)
        guard let evidence = FileManager.default.contents(atPath: root.appendingPathComponent(benchCase.evidence).path)
        else {
            throw ValidationError("cannot read \(benchCase.evidence) under \(vectors).")
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
        cold.sort()
        warm.sort()
        let target: Double? = benchCase.platform == "sev-snp" ? 2 : benchCase.platform == "tdx" ? 5 : nil
        return Measurement(
            platform: benchCase.platform,
            coldMs: cold[cold.count / 2],
            warmMs: warm[warm.count / 2],
            warmP99Ms: warm[min(warm.count - 1, warm.count * 99 / 100)],
            targetMs: target,
            iterations: iterations
        )
    }
}
