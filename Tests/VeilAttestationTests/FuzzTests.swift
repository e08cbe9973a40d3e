import Foundation
import Testing
import VeilAttestation
import VeilAzureVTPM
import VeilSEVSNP
import VeilSGX
import VeilTDX
import VeilTPM
import VeilTestSupport

@Suite("Seeded fuzzing of every verifier")
struct FuzzTests {
    /// Each vector with the byte range its signature covers (empty for JSON evidence).
    static let cases: [(path: String, collateral: String?, time: String, signed: Range<Int>)] = [
        (
            "sev-snp/milan-v2-vcek-trustee/report.bin", "sev-snp/milan-v2-vcek-trustee", "2024-06-01T00:00:00Z",
            0..<0x2A0
        ),
        ("tdx/v4-b0c06f-uptodate-dcapqvl/quote.bin", "tdx/v4-b0c06f-uptodate-dcapqvl", "2025-07-01T00:00:00Z", 0..<632),
        ("tdx/v5-90c06f-uptodate-gotdx/quote.bin", "tdx/v5-90c06f-uptodate-gotdx", "2026-02-03T01:00:00Z", 0..<702),
        (
            "sgx/v3-00a067110000-swhardening-dcapqvl/quote.bin", "sgx/v3-00a067110000-swhardening-dcapqvl",
            "2025-07-01T00:00:00Z", 0..<432
        ),
        ("tpm/azure-snp-vtpm-milan-v1-trustee/evidence-v1.json", nil, "2025-06-01T00:00:00Z", 0..<0),
        ("tpm/azure-tdx-vtpm-trustee/evidence-v0.json", nil, "2025-06-01T00:00:00Z", 0..<0),
    ]

    static let verifiers: [any AttestationVerifier] = [
        SEVSNP.Verifier(), TDX.Verifier(), SGX.Verifier(), AzureVTPM.Verifier(), TPM.Verifier(),
    ]

    @Test("random multi-byte corruption and truncation never crash and never verify", arguments: 0..<6)
    func fuzz(index: Int) throws {
        let entry = Self.cases[index]
        let original = try Vectors.bytes(entry.path)
        let collateral: any CollateralProvider =
            entry.collateral.map { CachingCollateralProvider(Vectors.directory($0)) } ?? BundleCollateralProvider()
        let context = VerificationContext(
            time: Vectors.time(entry.time),
            options: VerificationOptions(skipTCBCollateral: true, allowMissingCRL: true),
            collateral: collateral,
            signatureCache: SignatureCache()
        )
        var generator = SeededGenerator(seed: UInt64(index) &+ 0x5EED)
        for _ in 0..<150 {
            var mutated = original
            var touchesSignedBytes = false
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                for _ in 0..<Int.random(in: 1...8, using: &generator) {
                    let offset = Int.random(in: 0..<mutated.count, using: &generator)
                    mutated[offset] ^= UInt8.random(in: 1...255, using: &generator)
                    touchesSignedBytes = touchesSignedBytes || entry.signed.contains(offset)
                }
            case 1:
                let length = Int.random(in: 0..<mutated.count, using: &generator)
                mutated = Array(mutated.prefix(length))
                touchesSignedBytes = !entry.signed.isEmpty
            default:
                mutated += generator.bytes(count: Int.random(in: 1...64, using: &generator))
            }
            // Every verifier must survive every input; the right one must refuse altered signed bytes.
            for verifier in Self.verifiers {
                let report = verifier.verify(mutated, context: context)
                if touchesSignedBytes { #expect(report.claims == nil, "\(entry.path) verified after mutation") }
            }
        }
    }
}
