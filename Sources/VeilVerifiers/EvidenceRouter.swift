public import VeilAttestation
import VeilSEVSNP
import VeilAzureVTPM
import VeilSGX
import VeilTDX
import VeilTPM
import VeilSimulated
import _VeilBytes

/// Detects the evidence type from its bytes and runs the matching verifier and the policy: what `veil attest verify`
/// does with a file of unknown kind (a raw SEV-SNP report, a TDX or SGX quote, Azure vTPM evidence, a TPM bundle,
/// SIMULATED evidence, or an evidence bundle of any of them; hex text is decoded first).
public enum EvidenceRouter {
    /// The verifier for raw evidence `bytes`, recognised by their layout; nil when no platform's evidence looks
    /// like them.
    public static func verifier(for bytes: [UInt8]) -> (any AttestationVerifier)? {
        if bytes.count == SEVSNP.Report.size, let version = readLE32(bytes, 0), (2...5).contains(version),
            readLE32(bytes, 0x34) == 1
        {
            return SEVSNP.Verifier()
        }
        if bytes.count >= 48, bytes[2] == 2, bytes[3] == 0 {
            let version = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
            let tee = readLE32(bytes, 4)
            if (3...5).contains(version), tee == 0 { return SGX.Verifier() }
            if version == 4 || version == 5, tee == 0x81 { return TDX.Verifier() }
        }
        if bytes.starts(with: Array("HCLA".utf8)) { return AzureVTPM.Verifier() }
        if EvidenceJSON.looksLikeJSON(bytes), let object = EvidenceJSON.object(bytes) {
            if AzureVTPM.Evidence.isEvidence(object) { return AzureVTPM.Verifier() }
            if TPM.Verifier.isBundle(object) { return TPM.Verifier() }
        }
        if SimulatedTEE.isEvidence(bytes) { return SimulatedTEE.Verifier() }
        return nil
    }

    /// Verifies `raw` evidence (raw or an evidence bundle, binary or hex text) and appraises it against the
    /// document's policy for the platform found. Unrecognised bytes yield an attestation result that says so.
    public static func verify(
        _ raw: [UInt8],
        document: PolicyDocument,
        context: VerificationContext
    ) throws
        -> AttestationResult
    {
        let bytes = decodeTextIfHex(raw)
        if EvidenceJSON.looksLikeJSON(bytes), let object = EvidenceJSON.object(bytes), EvidenceBundle.isBundle(object) {
            let report = bundleVerifier.verify(bytes, context: context)
            let policies = try document.policySet(for: report.platform)
            return Appraiser.appraise(report, policies: policies, context: context)
        }
        guard let verifier = verifier(for: bytes) else {
            let report = VerificationReport.unrecognised(count: bytes.count)
            return Appraiser.appraise(report, policies: PolicySet([]), context: context)
        }
        let report = verifier.verify(bytes, context: context)
        let policies = try document.policySet(for: report.platform)
        return Appraiser.appraise(report, policies: policies, context: context)
    }

    /// Verifies evidence bundles with every platform verifier (``PlatformVerifiers/bundleVerifier``).
    public static var bundleVerifier: EvidenceBundle.Verifier { PlatformVerifiers.bundleVerifier }

    /// Evidence stored as hex text (as some tools write reports) is decoded first.
    static func decodeTextIfHex(_ bytes: [UInt8]) -> [UInt8] {
        let text = bytes.filter { !$0.isASCIIWhitespace }
        guard text.count >= 2, text.count % 2 == 0, text.allSatisfy(\.isASCIIHexDigit),
            let decoded = try? Hex.decode(String(decoding: text, as: UTF8.self))
        else { return bytes }
        return decoded
    }

    static func readLE32(_ bytes: [UInt8], _ offset: Int) -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}

extension UInt8 {
    var isASCIIWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
    var isASCIIHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
