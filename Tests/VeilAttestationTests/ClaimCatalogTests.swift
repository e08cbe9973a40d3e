import Foundation
import Testing
import VeilAttestation
import VeilAzureVTPM
import VeilSEVSNP
import VeilSGX
import VeilTDX
import VeilTPM
import VeilTestSupport

/// The claim catalog is exact: every claim a verifier establishes on every real vector is in it, so a policy can
/// name it; names outside it (such as `mr_td`) are refused when a policy is read.
@Suite("Claim catalog")
struct ClaimCatalogTests {
    /// (label, verifier, evidence, collateral directory, time, nonce).
    static let cases: [(String, any AttestationVerifier, String, String?, String, [UInt8]?)] = [
        (
            "snp virtee", SEVSNP.Verifier(), "sev-snp/milan-v2-vcek-virtee/report.bin", "sev-snp/milan-v2-vcek-virtee",
            "2024-06-01T00:00:00Z", nil
        ),
        (
            "snp gosev", SEVSNP.Verifier(), "sev-snp/milan-v2-vcek-debugpolicy-gosev/report.bin",
            "sev-snp/milan-v2-vcek-debugpolicy-gosev", "2024-06-01T00:00:00Z", nil
        ),
        (
            "snp trustee", SEVSNP.Verifier(), "sev-snp/milan-v2-vcek-trustee/report.bin",
            "sev-snp/milan-v2-vcek-trustee",
            "2024-06-01T00:00:00Z", nil
        ),
        (
            "tdx v4 qvl", TDX.Verifier(), "tdx/v4-b0c06f-uptodate-dcapqvl/quote.bin", "tdx/v4-b0c06f-uptodate-dcapqvl",
            "2025-07-01T00:00:00Z", nil
        ),
        (
            "tdx v5 gotdx", TDX.Verifier(), "tdx/v5-90c06f-uptodate-gotdx/quote.bin", "tdx/v5-90c06f-uptodate-gotdx",
            "2026-02-03T01:00:00Z", nil
        ),
        (
            "tdx spr", TDX.Verifier(), "tdx/v4-50806f-spr-tcb-not-matched-gotdx/quote.bin",
            "tdx/v4-50806f-spr-tcb-not-matched-gotdx", "2023-07-01T01:00:00Z", nil
        ),
        ("tdx debug", TDX.Verifier(), "tdx/v4-50806f-debug-td-trustee/quote.bin", nil, "2024-06-01T00:00:00Z", nil),
        (
            "tdx v5 trustee", TDX.Verifier(), "tdx/v5-90c06f-nocollateral-trustee/quote.bin", nil,
            "2025-06-01T00:00:00Z", nil
        ),
        (
            "sgx", SGX.Verifier(), "sgx/v3-00a067110000-swhardening-dcapqvl/quote.bin",
            "sgx/v3-00a067110000-swhardening-dcapqvl", "2025-07-01T00:00:00Z", nil
        ),
        (
            "azure snp v0", AzureVTPM.Verifier(), "tpm/azure-snp-vtpm-milan-v0-trustee/evidence-v0.json", nil,
            "2025-06-01T00:00:00Z", nil
        ),
        (
            "azure snp v1", AzureVTPM.Verifier(), "tpm/azure-snp-vtpm-milan-v1-trustee/evidence-v1.json", nil,
            "2025-06-01T00:00:00Z", nil
        ),
        (
            "azure snp hcl", AzureVTPM.Verifier(), "tpm/azure-snp-vtpm-milan-hcl-v2report-trustee/hcl-report.bin",
            "tpm/azure-snp-vtpm-milan-hcl-v2report-trustee", "2025-06-01T00:00:00Z", nil
        ),
        (
            "azure tdx v0", AzureVTPM.Verifier(), "tpm/azure-tdx-vtpm-trustee/evidence-v0.json",
            "tpm/azure-tdx-vtpm-trustee", "2025-06-01T00:00:00Z", nil
        ),
        (
            "azure tdx v1", AzureVTPM.Verifier(), "tpm/azure-tdx-vtpm-trustee/evidence-v1.json",
            "tpm/azure-tdx-vtpm-trustee", "2025-06-01T00:00:00Z", nil
        ),
        (
            "azure tdx hcl", AzureVTPM.Verifier(), "tpm/azure-tdx-vtpm-trustee/hcl-report.bin",
            "tpm/azure-tdx-vtpm-trustee", "2025-06-01T00:00:00Z", nil
        ),
    ]

    @Test("every claim each verifier establishes on every real vector is in the catalog", arguments: cases.indices)
    func realVectors(index: Int) throws {
        let (label, verifier, evidence, directory, time, nonce) = Self.cases[index]
        let context = VerificationContext(
            time: Vectors.time(time),
            nonce: nonce,
            collateral: directory.map { Vectors.directory($0) } ?? BundleCollateralProvider()
        )
        let report = verifier.verify(try Vectors.bytes(evidence), context: context)
        let claims = try #require(report.claims, "\(label): \(report.checks.filter { !$0.passed })")
        #expect(!claims.claims.isEmpty)
        let unknown = claims.claims.keys.filter { !ClaimCatalog.isKnown($0, platform: claims.platform) }.sorted()
        #expect(unknown.isEmpty, "\(label) (\(claims.platform.rawValue)): \(unknown)")
    }

    @Test("a synthetic TPM quote's claims (bank, PCRs, AK digest) are in the catalog")
    func tpmClaims() throws {
        let key = ForgedTPM.Key.p256()
        let result = try ForgedTPM.verify(
            try ForgedTPM.quoteOverPCR0(key: key, pcrs: [0: ForgedTPM.pcr(0xA0)]),
            collateral: [("ak.pem", Array(key.pem.utf8))]
        )
        #expect(result.verdict == .accepted, "\(result.failedChecks)")
        #expect(Set(result.claims.keys).isSuperset(of: ["pcr0", "tpm_pcr_bank", "tpm_ak_sha256"]))
        #expect(result.claims.keys.allSatisfy { ClaimCatalog.isKnown($0, platform: .tpm) })
    }

    @Test("mr_td and other near misses are not claims")
    func nearMisses() {
        for (claim, platform) in [
            ("mr_td", AttestationPlatform.tdx), ("MRTD", .tdx), ("mr_enclave", .sgx), ("pcr_7", .tpm),
            ("pcr24", .tpm), ("measurment", .sevSNP), ("signature_algo", .sevSNP), ("mrtd", .sevSNP),
            ("measurement", .tpm), ("qe_svn", .tdx),
        ] {
            #expect(!ClaimCatalog.isKnown(claim, platform: platform), "\(claim) for \(platform)")
        }
        #expect(ClaimCatalog.isKnown("binding_public_key_0", platform: .tpm))
        #expect(ClaimCatalog.isKnown("vm_configuration.secure-boot", platform: .azureSEVSNPvTPM))
    }
}
