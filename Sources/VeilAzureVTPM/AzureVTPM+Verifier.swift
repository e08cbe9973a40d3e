import Foundation
public import VeilAttestation
import VeilSEVSNP
import VeilTDX
public import VeilTPM
import _VeilBytes

extension AzureVTPM {
    /// Azure vTPM evidence in any of the encodings Trustee's `az-snp-vtpm`/`az-tdx-vtpm` use: v0 JSON (byte
    /// arrays), v1 JSON (base64url and hex), or the HCL report bytes with the TPM quote JSON, VCEK and TD
    /// quote supplied as collateral.
    public struct Evidence: Sendable {
        public let hcl: HCLReport
        public let quote: TPM.Quote
        /// VCEK/chain certificates carried in the evidence (SNP).
        public let certificates: [(name: String, bytes: [UInt8])]
        /// The TD quote (TDX).
        public let tdQuote: [UInt8]?

        /// Whether a JSON object is Azure vTPM evidence.
        public static func isEvidence(_ object: [String: Any]) -> Bool {
            (object["report"] != nil || object["hcl_report"] != nil)
                && (object["quote"] != nil || object["tpm_quote"] != nil)
        }

        /// Decodes evidence bytes: JSON, or an HCL report whose TPM quote (and VCEK, TD quote) are in the collateral.
        public init(_ bytes: [UInt8], collateral: any CollateralProvider) throws(AttestationError) {
            if bytes.starts(with: Array("HCLA".utf8)) {
                hcl = try HCLReport(bytes)
                var quote: TPM.Quote?
                var certificates: [(name: String, bytes: [UInt8])] = []
                var tdQuote: [UInt8]?
                for item in try collateral.items() {
                    if EvidenceJSON.looksLikeJSON(item.bytes), let object = EvidenceJSON.object(item.bytes),
                        TPM.Verifier.isBundle(object)
                    {
                        quote = try TPM.Verifier.quote(object)
                    } else if item.bytes.count > 48, item.bytes[0] == 4 || item.bytes[0] == 5, item.bytes[1] == 0,
                        item.bytes[4] == 0x81
                    {
                        tdQuote = item.bytes
                    } else {
                        certificates.append(item)
                    }
                }
                guard let quote else {
                    throw AttestationError(
                        .missingCollateral,
                        "the TPM quote (JSON with message, signature, pcrs) was not supplied with the HCL report"
                    )
                }
                self.quote = quote
                self.certificates = certificates
                self.tdQuote = tdQuote
                return
            }
            guard let object = EvidenceJSON.object(bytes), Self.isEvidence(object) else {
                throw AttestationError(.malformedEvidence, "not Azure vTPM evidence JSON")
            }
            guard let report = EvidenceJSON.bytes(object["hcl_report"] ?? object["report"]) else {
                throw AttestationError(.malformedEvidence, "the HCL report field cannot be decoded")
            }
            hcl = try HCLReport(report)
            guard let quoteObject = (object["tpm_quote"] ?? object["quote"]) as? [String: Any] else {
                throw AttestationError(.malformedEvidence, "the TPM quote field is not an object")
            }
            quote = try TPM.Verifier.quote(quoteObject)
            var certificates: [(name: String, bytes: [UInt8])] = []
            if let vcek = object["vcek"] as? String {
                if vcek.contains("-----BEGIN") {
                    certificates.append(("vcek.pem", Array(vcek.utf8)))
                } else if let der = EvidenceJSON.bytes(vcek) {
                    certificates.append(("vcek.der", der))
                } else {
                    throw AttestationError(.malformedEvidence, "the vcek field is neither PEM nor base64 DER")
                }
            }
            self.certificates = certificates + ((try? collateral.items()) ?? [])
            tdQuote = object["td_quote"].flatMap { EvidenceJSON.bytes($0) }
        }
    }

    /// Verifies Azure vTPM evidence: the hardware report (SNP or TDX), the runtime-claims binding, the AK from
    /// the claims, and the TPM quote.
    ///
    /// The attestation key comes only from `HCLAkPub` in the HCL runtime claims, whose hash the hardware report
    /// signs (`hcl.binding`). A key in the quote JSON (`ak`, `ak_pem`) is never read: it would be the attester's word.
    /// The SNP report's VCEK chains to the compiled AMD roots; the TD quote's PCK chain to the compiled Intel root.
    public struct Verifier: AttestationVerifier {
        public var platform: AttestationPlatform { .azureSEVSNPvTPM }

        public init() {}

        public func verify(_ bytes: [UInt8], context: VerificationContext) -> VerificationReport {
            let evidence: Evidence
            do {
                evidence = try Evidence(bytes, collateral: context.collateral)
            } catch {
                return .malformed(.azureSEVSNPvTPM, name: "evidence.parse", error: error)
            }
            let platform: AttestationPlatform = evidence.hcl.reportType == .tdx ? .azureTDXvTPM : .azureSEVSNPvTPM
            var recorder = CheckRecorder()
            recorder.pass(
                "hcl.parse",
                "HCL report v\(evidence.hcl.version) over an \(evidence.hcl.reportType == .tdx ? "TDX" : "SEV-SNP") report"
            )

            // 1. The hardware report.
            let hardware: VerificationReport
            let boundReportData: [UInt8]
            switch evidence.hcl.reportType {
            case .sevSNP:
                let snpContext = VerificationContext(
                    time: context.time,
                    nonce: nil,
                    options: context.options,
                    collateral: BundleCollateralProvider(evidence.certificates),
                    signatureCache: context.signatureCache
                )
                hardware = SEVSNP.Verifier().verify(evidence.hcl.hardwareReport, context: snpContext)
                boundReportData = Array(evidence.hcl.hardwareReport[0x50..<0x90])
            case .tdx:
                guard let tdQuote = evidence.tdQuote else {
                    recorder.fail(
                        "tdx.quote",
                        "the TD quote was not supplied; the HCL's TDREPORT cannot be verified off the platform",
                        remedy: "Supply td_quote in the evidence (or td-quote.bin with --collateral)."
                    )
                    return VerificationReport(platform: platform, checks: recorder.checks, claims: nil)
                }
                let tdxContext = VerificationContext(
                    time: context.time,
                    nonce: nil,
                    options: context.options,
                    collateral: context.collateral,
                    signatureCache: context.signatureCache
                )
                hardware = TDX.Verifier().verify(tdQuote, context: tdxContext)
                boundReportData = hardware.unverifiedClaims["report_data"]?.bytes ?? []
            }
            recorder.append(contentsOf: hardware.checks)
            var claims = hardware.claims?.claims ?? hardware.unverifiedClaims
            guard let hardwareClaims = hardware.claims else {
                return VerificationReport(
                    platform: platform,
                    checks: recorder.checks,
                    claims: nil,
                    unverifiedClaims: claims
                )
            }

            // 2. The runtime claims are bound by the report data.
            let digest = evidence.hcl.runtimeClaimsDigest
            let bound =
                boundReportData.count == 64 && Array(boundReportData.prefix(digest.count)) == digest
                && boundReportData.dropFirst(digest.count).allSatisfy { $0 == 0 }
            guard
                recorder.check(
                    "hcl.binding",
                    bound,
                    passed: "the hardware report data is the hash of the HCL runtime claims",
                    failed: "the HCL runtime claims' hash does not match the hardware report data: the claims (and the "
                        + "AK in them) were altered",
                    remedy: "Collect the HCL report again from the vTPM NV index."
                )
            else {
                return VerificationReport(
                    platform: platform,
                    checks: recorder.checks,
                    claims: nil,
                    unverifiedClaims: claims
                )
            }

            // 3. The AK from the claims; 4. the TPM quote.
            let key: TPM.AttestationKey
            do {
                let jwk = try evidence.hcl.attestationKeyJWK()
                key = try TPM.AttestationKey(modulus: jwk.modulus, exponent: jwk.exponent)
                recorder.pass("hcl.ak", "HCLAkPub (RSA) taken from the bound runtime claims")
            } catch {
                recorder.fail("hcl.ak", "\(error.reason)", remedy: "Collect the HCL report again.")
                return VerificationReport(
                    platform: platform,
                    checks: recorder.checks,
                    claims: nil,
                    unverifiedClaims: claims
                )
            }
            let tpmOK = TPM.verify(evidence.quote, key: key, recorder: &recorder)
            claims.merge(TPM.claims(evidence.quote)) { current, _ in current }
            claims["hcl_runtime_claims_digest"] = .bytes(digest)
            if let object = EvidenceJSON.object(evidence.hcl.runtimeClaims) {
                if let userData = object["user-data"] as? String { claims["hcl_user_data"] = .string(userData) }
                if let configuration = object["vm-configuration"] as? [String: Any] {
                    for (key, value) in configuration {
                        if let flag = value as? Bool { claims["vm_configuration.\(key)"] = .bool(flag) }
                        if let text = value as? String { claims["vm_configuration.\(key)"] = .string(text) }
                    }
                }
            }
            guard tpmOK, recorder.authentic else {
                return VerificationReport(
                    platform: platform,
                    checks: recorder.checks,
                    claims: nil,
                    unverifiedClaims: claims
                )
            }
            let verified = VerifiedClaims(
                platform: platform,
                claims: claims,
                isDebug: hardwareClaims.isDebug,
                tcbStatus: hardwareClaims.tcbStatus,
                advisoryIDs: hardwareClaims.advisoryIDs,
                reportData: evidence.quote.attest.extraData,
                missingCollateral: hardwareClaims.missingCollateral,
                checks: recorder.checks,
                context: context
            )
            return VerificationReport(
                platform: platform,
                checks: recorder.checks,
                claims: verified,
                unverifiedClaims: claims
            )
        }
    }
}
