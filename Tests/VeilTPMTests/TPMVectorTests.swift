import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilAzureVTPM
import VeilTPM
import VeilTestSupport
import _CryptoExtras
import _VeilBytes

@Suite("TPM and Azure vTPM real vectors")
struct TPMVectorTests {
    static let challenge = Array("challenge".utf8)
    static let hclCase = "tpm/azure-snp-vtpm-milan-hcl-v2report-trustee"

    func azure(
        _ evidence: [UInt8],
        collateral: any CollateralProvider = BundleCollateralProvider(),
        time: String = "2025-06-01T00:00:00Z",
        nonce: [UInt8]? = TPMVectorTests.challenge,
        options: VerificationOptions = .strict,
        policy: PolicyDocument = .baseline
    ) throws -> AttestationResult {
        let context = VerificationContext(
            time: Vectors.time(time),
            nonce: nonce,
            options: options.union(policy.options),
            collateral: collateral
        )
        return try Vectors.appraise(AzureVTPM.Verifier(), evidence, context: context, policy: policy)
    }

    /// The HCL case's three files, with the HCL and the quote JSON replaceable.
    func hclCase(hcl: [UInt8]? = nil, quote: [UInt8]? = nil, nonce: [UInt8]? = challenge) throws -> AttestationResult {
        let collateral = BundleCollateralProvider([
            ("tpm-quote-v1.json", try quote ?? Vectors.bytes("\(Self.hclCase)/tpm-quote-v1.json")),
            ("vcek.pem", try Vectors.bytes("\(Self.hclCase)/vcek.pem")),
        ])
        // The v2 SNP report inside dates from 2023 (below AMD-SB-3019) and no AMD CRL is shipped: the sample
        // policy names both.
        return try azure(
            try hcl ?? Vectors.bytes("\(Self.hclCase)/hcl-report.bin"),
            collateral: collateral,
            nonce: nonce,
            policy: Vectors.sampleSNP
        )
    }

    @Test("Azure SNP vTPM v0 JSON: valid, nonce 'challenge' in extraData, v3 SNP report claims")
    func snpV0() throws {
        let result = try azure(
            try Vectors.bytes("tpm/azure-snp-vtpm-milan-v0-trustee/evidence-v0.json"),
            options: VerificationOptions(allowMissingCRL: true)
        )
        #expect(result.verdict == .accepted, "\(result.failedChecks)")
        #expect(result.relaxations == ["allow_missing_crl"])
        #expect(result.claims["tpm_pcr_bank"] == .string("sha256"))
        #expect(result.platform == .azureSEVSNPvTPM)
        #expect(result.claims["tpm_extra_data"] == .bytes(Self.challenge))
        #expect(result.claims["version"] == .integer(3))
        #expect(result.claims["policy"] == .integer(0x3001F))
        #expect(result.claims["measurement"]?.description.hasPrefix("6a063be9") == true)
        #expect(result.claims["reported_tcb_microcode"] == .integer(219))
        #expect(result.claims["reported_tcb_snp"] == .integer(24))
        #expect(result.claims["reported_tcb_bootloader"] == .integer(4))
        for check in ["report.signature", "hcl.binding", "hcl.ak", "tpm.signature", "tpm.pcr_digest", "policy.nonce"] {
            #expect(result.checks.contains { $0.name == check && $0.passed }, "\(check)")
        }
    }

    @Test("Azure SNP vTPM v1 JSON (base64url, hex, DER VCEK): valid")
    func snpV1() throws {
        let result = try azure(
            try Vectors.bytes("tpm/azure-snp-vtpm-milan-v1-trustee/evidence-v1.json"),
            options: VerificationOptions(allowMissingCRL: true)
        )
        #expect(result.verdict == .accepted, "\(result.failedChecks)")
        #expect(result.claims["measurement"]?.description.hasPrefix("6a063be9") == true)
    }

    @Test("Azure SNP vTPM HCL report + quote JSON + VCEK PEM: valid, v2 report")
    func snpHCL() throws {
        let result = try hclCase()
        #expect(result.verdict == .accepted, "\(result.failedChecks)")
        #expect(result.claims["version"] == .integer(2))
        #expect(
            result.claims["measurement"]?.description
                == "9ac48fcac8a2d88aeeff8d427ad4f2be0e3917c748a18bdf52cc317e7fe20308b459d5ef1a12e0c22944eb386d17c315"
        )
        #expect(result.claims["pcr23"] != nil)
    }

    @Test("Azure TDX vTPM in all three encodings: valid with the TD quote, collateral relaxations shown")
    func tdx() throws {
        let dir = "tpm/azure-tdx-vtpm-trustee"
        let relaxed = VerificationOptions(skipTCBCollateral: true, allowMissingCRL: true)
        for file in ["evidence-v0.json", "evidence-v1.json", "hcl-report.bin"] {
            let result = try azure(
                try Vectors.bytes("\(dir)/\(file)"),
                collateral: Vectors.directory(dir),
                options: relaxed
            )
            #expect(result.verdict == .accepted, "\(file): \(result.failedChecks)")
            #expect(result.platform == .azureTDXvTPM)
            #expect(result.claims["mrtd"]?.description.hasPrefix("024a32b0") == true)
            #expect(result.claims["fmspc"]?.description == "00806f050000")
            #expect(result.claims["report_data"]?.description.hasPrefix("9734504f") == true)
            #expect(result.relaxations == ["skip_tcb_collateral", "allow_missing_crl"])
        }
        let strict = try azure(try Vectors.bytes("\(dir)/evidence-v1.json"))
        #expect(strict.verdict == .rejected)
        #expect(strict.failedChecks == ["policy.collateral"])
    }

    @Test("trustee negative: hcl[0x1a6] = 0 (the SNP SPL of REPORTED_TCB) is invalid")
    func snpVersionMismatch() throws {
        var hcl = try Vectors.bytes("\(Self.hclCase)/hcl-report.bin")
        hcl[0x1A6] = 0
        let result = try hclCase(hcl: hcl)
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["report.signature"])
    }

    @Test("trustee negative: hcl[0x6e0] += 1 breaks the runtime-claims binding")
    func claimsDigest() throws {
        var hcl = try Vectors.bytes("\(Self.hclCase)/hcl-report.bin")
        hcl[0x6E0] &+= 1
        let result = try hclCase(hcl: hcl)
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["hcl.binding"])
    }

    @Test("trustee negative: hcl[0x540] = 0 leaves no usable AK (the claims no longer match)")
    func akPub() throws {
        var hcl = try Vectors.bytes("\(Self.hclCase)/hcl-report.bin")
        hcl[0x540] = 0
        let result = try hclCase(hcl: hcl)
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["hcl.binding"])
        // Without the binding check, the AK itself cannot be read from the damaged claims.
        #expect(throws: AttestationError(.malformedEvidence, "")) {
            try AzureVTPM.HCLReport(hcl).attestationKeyJWK()
        }
    }

    @Test("trustee negatives: signature[0] ^= 1, pcrs[0][0] ^= 1, reversed nonce")
    func quoteNegatives() throws {
        let original = try Vectors.bytes("\(Self.hclCase)/tpm-quote-v1.json")
        var object = try #require(EvidenceJSON.object(original))
        var signature = try #require(EvidenceJSON.bytes(object["signature"]))
        signature[0] ^= 1
        object["signature"] = Hex.encode(signature)
        let badSignature = try hclCase(quote: Array(try JSONSerialization.data(withJSONObject: object)))
        #expect(badSignature.verdict == .invalid)
        #expect(badSignature.failedChecks == ["tpm.signature"])

        object = try #require(EvidenceJSON.object(original))
        var pcrs = try #require(object["pcrs"] as? [String])
        var first = try Hex.decode(pcrs[0])
        first[0] ^= 1
        pcrs[0] = Hex.encode(first)
        object["pcrs"] = pcrs
        let badPCR = try hclCase(quote: Array(try JSONSerialization.data(withJSONObject: object)))
        #expect(badPCR.verdict == .invalid)
        #expect(badPCR.failedChecks == ["tpm.pcr_digest"])

        let reversed = try hclCase(nonce: Self.challenge.reversed())
        #expect(reversed.verdict == .rejected)
        #expect(reversed.failedChecks == ["policy.nonce"])
    }

    /// The genuine Azure quote as a plain TPM quote bundle, optionally carrying its AK as a JWK `ak`.
    func plainBundle(message: [UInt8]? = nil, withJWK: Bool) throws -> (bundle: [String: Any], akPEM: String) {
        let object = try #require(EvidenceJSON.object(try Vectors.bytes("\(Self.hclCase)/tpm-quote-v1.json")))
        let original = try #require(EvidenceJSON.bytes(object["message"]))
        let hcl = try AzureVTPM.HCLReport(try Vectors.bytes("\(Self.hclCase)/hcl-report.bin"))
        let jwk = try hcl.attestationKeyJWK()
        var bundle: [String: Any] = [
            "message": Hex.encode(message ?? original), "signature": object["signature"]!, "pcrs": object["pcrs"]!,
        ]
        if withJWK {
            bundle["ak"] = ["kty": "RSA", "n": Base64URL.encode(jwk.modulus), "e": Base64URL.encode(jwk.exponent)]
        }
        let pem = try _RSA.Signing.PublicKey(n: jwk.modulus, e: jwk.exponent).pemRepresentation
        return (bundle, pem)
    }

    @Test("a genuine quote whose AK travels only as the bundle's JWK ak, unpinned, is invalid (tpm.ak)")
    func unpinnedJWK() throws {
        let (bundle, pem) = try plainBundle(withJWK: true)
        let evidence = Array(try JSONSerialization.data(withJSONObject: bundle))
        let context = VerificationContext(time: Vectors.time("2025-01-01T00:00:00Z"))
        let report = TPM.Verifier().verify(evidence, context: context)
        #expect(report.claims == nil)
        #expect(report.checks.filter { !$0.passed }.map(\.name) == ["tpm.ak"])
        // The same quote with the AK pinned by the relying party verifies: the pin is the anchor.
        var pinned = context
        pinned.collateral = BundleCollateralProvider([("ak.pem", Array(pem.utf8))])
        let anchored = TPM.Verifier().verify(evidence, context: pinned)
        #expect(anchored.claims != nil, "\(anchored.checks.filter { !$0.passed })")
    }

    @Test("flipping any byte of a TPMS_ATTEST makes a pinned-AK quote invalid")
    func everyAttestByte() throws {
        let (bundle, pem) = try plainBundle(withJWK: false)
        let message = try #require(EvidenceJSON.bytes(bundle["message"]))
        let context = VerificationContext(
            time: Vectors.time("2025-01-01T00:00:00Z"),
            collateral: BundleCollateralProvider([("ak.pem", Array(pem.utf8))])
        )
        let good = TPM.Verifier().verify(Array(try JSONSerialization.data(withJSONObject: bundle)), context: context)
        #expect(good.claims != nil, "\(good.checks)")
        for offset in 0..<message.count {
            var mutated = message
            mutated[offset] ^= 0x04
            let (altered, _) = try plainBundle(message: mutated, withJWK: false)
            let report = TPM.Verifier().verify(
                Array(try JSONSerialization.data(withJSONObject: altered)),
                context: context
            )
            #expect(report.claims == nil, "offset \(offset)")
        }
    }

    @Test("Azure: a quote JSON with a planted ak and ak_pem is still verified with HCLAkPub only (tpm.signature)")
    func plantedAK() throws {
        let forger = try ForgedTPM.Key.rsa()
        let pcrs = (0..<24).map { _ in [UInt8](repeating: 0x11, count: 32) }
        let message = ForgedTPM.attest(
            extraData: Self.challenge,
            selections: [(TPM.algSHA256, Array(0..<24))],
            digestOver: pcrs
        )
        let forged: [String: Any] = [
            "message": Hex.encode(message), "signature": Hex.encode(try forger.sign(message)),
            "pcrs": pcrs.map { Hex.encode($0) }, "ak": forger.jwk, "ak_pem": forger.pem,
        ]
        let result = try hclCase(quote: Array(try JSONSerialization.data(withJSONObject: forged)))
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["tpm.signature"])
        #expect(result.checks.contains { $0.name == "hcl.ak" && $0.passed })

        // The genuine quote with the forger's key planted beside it: the planted key changes nothing.
        var genuine = try #require(EvidenceJSON.object(try Vectors.bytes("\(Self.hclCase)/tpm-quote-v1.json")))
        genuine["ak"] = forger.jwk
        genuine["ak_pem"] = forger.pem
        let planted = try hclCase(quote: Array(try JSONSerialization.data(withJSONObject: genuine)))
        #expect(planted.verdict == .accepted, "\(planted.failedChecks)")
    }

    @Test("synthetic quotes signed with ECDSA P-256 and RSA-PSS verify with a pinned key; PKCS#1 still works")
    func signatureSchemes() throws {
        let pcr = [UInt8](repeating: 0xAB, count: 32)
        var writer: [UInt8] = [0xFF, 0x54, 0x43, 0x47, 0x80, 0x18, 0x00, 0x02, 0x00, 0x0B]
        writer += [0x00, 0x04, 1, 2, 3, 4]  // extraData
        writer += [UInt8](repeating: 0, count: 17) + [UInt8](repeating: 0, count: 8)
        writer += [0, 0, 0, 1, 0x00, 0x0B, 3, 0x01, 0x00, 0x00]  // PCR 0 of SHA-256
        writer += [0x00, 0x20] + Array(SHA256.hash(data: pcr))
        let attest = try TPM.Attest(writer)
        #expect(attest.selections.map(\.indices) == [[0]])
        #expect(attest.extraData == [1, 2, 3, 4])
        let quoteBase = try TPM.Quote(message: writer, signature: [], pcrs: [0: pcr])

        let ecKey = P256.Signing.PrivateKey()
        let ecSignature = Array(try ecKey.signature(for: writer).rawRepresentation)
        var recorder = CheckRecorder()
        let ecQuote = try TPM.Quote(message: writer, signature: ecSignature, pcrs: quoteBase.pcrs)
        let ecAK = try TPM.AttestationKey(pem: ecKey.publicKey.pemRepresentation)
        #expect(TPM.verify(ecQuote, key: ecAK, recorder: &recorder))

        // The same signature wrapped as a TPMT_SIGNATURE (TPM_ALG_ECDSA, SHA-256, r and s as TPM2Bs).
        let wrapped: [UInt8] =
            [0x00, 0x18, 0x00, 0x0B, 0x00, 0x20] + ecSignature[0..<32] + [0x00, 0x20] + ecSignature[32...]
        let wrappedQuote = try TPM.Quote(message: writer, signature: wrapped, pcrs: quoteBase.pcrs)
        #expect(TPM.verify(wrappedQuote, key: ecAK, recorder: &recorder))

        let rsaKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let pss = Array(try rsaKey.signature(for: SHA256.hash(data: writer), padding: .PSS).rawRepresentation)
        let pssQuote = try TPM.Quote(message: writer, signature: pss, pcrs: quoteBase.pcrs)
        let rsaAK = try TPM.AttestationKey(pem: rsaKey.publicKey.pemRepresentation)
        #expect(TPM.verify(pssQuote, key: rsaAK, recorder: &recorder))
        let wrongPCR = try TPM.Quote(message: writer, signature: pss, pcrs: [0: [UInt8](repeating: 0, count: 32)])
        #expect(!TPM.verify(wrongPCR, key: rsaAK, recorder: &recorder))
        #expect(recorder.checks.last?.name == "tpm.pcr_digest")
    }

    @Test("bad TPM and HCL input gives typed errors: truncations, wrong magic, oversize claims")
    func badInput() throws {
        let object = try #require(EvidenceJSON.object(try Vectors.bytes("\(Self.hclCase)/tpm-quote-v1.json")))
        let message = try #require(EvidenceJSON.bytes(object["message"]))
        for length in 0..<message.count {
            #expect(throws: AttestationError(.malformedEvidence, "")) { try TPM.Attest(Array(message.prefix(length))) }
        }
        #expect(throws: AttestationError(.malformedEvidence, "")) { try TPM.Attest(message + [0]) }
        let hcl = try Vectors.bytes("\(Self.hclCase)/hcl-report.bin")
        for length in stride(from: 0, to: 0x4D4 + 16, by: 13) {
            #expect(throws: AttestationError(.malformedEvidence, "")) {
                try AzureVTPM.HCLReport(Array(hcl.prefix(length)))
            }
        }
        var wrongType = hcl
        wrongType[0x4C8] = 9
        #expect(throws: AttestationError(.malformedEvidence, "")) { try AzureVTPM.HCLReport(wrongType) }
        let garbage = try azure(Array("{\"report\": 5, \"quote\": {}}".utf8))
        #expect(garbage.verdict == .invalid)
    }
}
