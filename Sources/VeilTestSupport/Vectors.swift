public import Foundation
public import VeilAttestation

/// Loads the shared attestation vectors (`attestation-vectors` under ``SharedFixtures``) and runs verification +
/// baseline appraisal.
public enum Vectors {
    public static let root = "attestation-vectors"

    public static func bytes(_ path: String) throws -> [UInt8] {
        try SharedFixtures.bytes("\(root)/\(path)")
    }

    public static func directory(_ path: String) -> FileCollateralProvider {
        FileCollateralProvider(url: SharedFixtures.url("\(root)/\(path)"))
    }

    public static func time(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)!
    }

    /// The SEV-SNP sample vectors date from 2022–2023, below the AMD-SB-3019 minimum TCB of the baseline, and ship
    /// no AMD CRL. Tests that expect them `accepted` use this policy, which names both choices: its own minimums
    /// (the lowest TCB among the samples) and `allow_missing_crl`. It names (so accepts) only SEV-SNP platforms.
    public static let sampleSNP: PolicyDocument = {
        var document = PolicyDocument.baseline
        document.allowMissingCRL = true
        let minimums: [String: UInt64] = ["reported_tcb_snp": 5, "reported_tcb_microcode": 68]
        document.platforms = ["sev-snp": .init(minimums: minimums), "azure-sev-snp-vtpm": .init(minimums: minimums)]
        return document
    }()

    public static func appraise(
        _ verifier: some AttestationVerifier,
        _ evidence: [UInt8],
        context: VerificationContext,
        policy: PolicyDocument = .baseline
    ) throws -> AttestationResult {
        let report = verifier.verify(evidence, context: context)
        return Appraiser.appraise(report, policies: try policy.policySet(for: report.platform), context: context)
    }
}

extension AttestationResult {
    /// The names of the failed checks.
    public var failedChecks: [String] { checks.filter { !$0.passed }.map(\.name) }
}
