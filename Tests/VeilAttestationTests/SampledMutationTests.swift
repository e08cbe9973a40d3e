import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilAzureVTPM
import VeilSEVSNP
import VeilTPM
import VeilTestSupport
import X509
import _VeilBytes

@Suite("Sampled mutations and AK chains")
struct SampledMutationTests {
    @Test(
        "sampled byte flips in the other SEV-SNP reports' signed regions make them invalid",
        arguments: ["milan-v2-vcek-trustee", "milan-v2-vcek-debugpolicy-gosev"]
    )
    func snpSampled(name: String) throws {
        let original = try Vectors.bytes("sev-snp/\(name)/report.bin")
        let context = VerificationContext(
            time: Vectors.time("2024-06-01T00:00:00Z"),
            collateral: CachingCollateralProvider(Vectors.directory("sev-snp/\(name)")),
            signatureCache: SignatureCache()
        )
        #expect(SEVSNP.Verifier().verify(original, context: context).claims != nil)
        for offset in stride(from: 3, to: SEVSNP.Report.signedCount, by: 11) {
            var mutated = original
            mutated[offset] ^= 0x10
            #expect(SEVSNP.Verifier().verify(mutated, context: context).claims == nil, "offset \(offset)")
        }
    }

    @Test("sampled byte flips in an Azure HCL report (hardware report and runtime claims) make it invalid")
    func azureSampled() throws {
        let dir = "tpm/azure-snp-vtpm-milan-hcl-v2report-trustee"
        let original = try Vectors.bytes("\(dir)/hcl-report.bin")
        let collateral = BundleCollateralProvider([
            ("tpm-quote-v1.json", try Vectors.bytes("\(dir)/tpm-quote-v1.json")),
            ("vcek.pem", try Vectors.bytes("\(dir)/vcek.pem")),
        ])
        let context = VerificationContext(
            time: Vectors.time("2025-06-01T00:00:00Z"),
            collateral: collateral,
            signatureCache: SignatureCache()
        )
        #expect(AzureVTPM.Verifier().verify(original, context: context).claims != nil)
        let hcl = try AzureVTPM.HCLReport(original)
        let claimsEnd = 0x4D4 + hcl.runtimeClaims.count
        let positions =
            Array(stride(from: 0x20, to: 0x20 + SEVSNP.Report.signedCount, by: 17))
            + Array(stride(from: 0x4D4, to: claimsEnd, by: 23))
        for offset in positions {
            var mutated = original
            mutated[offset] ^= 0x02
            #expect(AzureVTPM.Verifier().verify(mutated, context: context).claims == nil, "offset \(offset)")
        }
    }

    @Test("a TPM quote signed by an AK certificate verifies through the AK chain; a foreign CA does not")
    func akCertificateChain() throws {
        let now = Vectors.time("2025-01-01T00:00:00Z")
        let caKey = P256.Signing.PrivateKey()
        let akKey = P256.Signing.PrivateKey()
        func name(_ cn: String) throws -> DistinguishedName { try DistinguishedName { CommonName(cn) } }
        func certificate(
            _ subject: String,
            key: P256.Signing.PrivateKey,
            issuer: String,
            issuerKey: P256.Signing.PrivateKey
        )
            throws -> Certificate
        {
            try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now.addingTimeInterval(-86_400),
                notValidAfter: now.addingTimeInterval(86_400 * 365),
                issuer: try name(issuer),
                subject: try name(subject),
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: Certificate.Extensions(),
                issuerPrivateKey: Certificate.PrivateKey(issuerKey)
            )
        }
        let ca = try certificate("TPM AK CA", key: caKey, issuer: "TPM AK CA", issuerKey: caKey)
        let ak = try certificate("AK", key: akKey, issuer: "TPM AK CA", issuerKey: caKey)
        let pcr = [UInt8](repeating: 3, count: 32)
        var message: [UInt8] = [0xFF, 0x54, 0x43, 0x47, 0x80, 0x18, 0x00, 0x00, 0x00, 0x02, 9, 9]
        message += [UInt8](repeating: 0, count: 25)
        message += [0, 0, 0, 1, 0x00, 0x0B, 3, 0x80, 0x00, 0x00]  // PCR 7
        message += [0x00, 0x20] + Array(SHA256.hash(data: pcr))
        let signature = try akKey.signature(for: message).derRepresentation
        let bundle: [String: Any] = [
            "message": Hex.encode(message), "signature": Hex.encode(signature), "pcrs": ["7": Hex.encode(pcr)],
        ]
        let evidence = Array(try JSONSerialization.data(withJSONObject: bundle))
        let chain = try ak.serializeAsPEM().pemString + "\n" + ca.serializeAsPEM().pemString
        let context = VerificationContext(
            time: now,
            nonce: [9, 9],
            collateral: BundleCollateralProvider([("ak-chain.pem", Array(chain.utf8))])
        )
        let result = try Vectors.appraise(TPM.Verifier(), evidence, context: context)
        #expect(result.verdict == .accepted, "\(result.failedChecks)")
        #expect(result.claims["pcr7"] == .bytes(pcr))
        #expect(result.checks.contains { $0.name == "tpm.ak" && $0.detail.contains("TPM AK CA") })

        let foreign = try certificate(
            "TPM AK CA",
            key: P256.Signing.PrivateKey(),
            issuer: "TPM AK CA",
            issuerKey: caKey
        )
        let badChain = try ak.serializeAsPEM().pemString + "\n" + foreign.serializeAsPEM().pemString
        let bad = try Vectors.appraise(
            TPM.Verifier(),
            evidence,
            context: VerificationContext(
                time: now,
                collateral: BundleCollateralProvider([("c.pem", Array(badChain.utf8))])
            )
        )
        #expect(bad.verdict == .invalid)
        #expect(bad.failedChecks == ["tpm.ak"])
    }
}
