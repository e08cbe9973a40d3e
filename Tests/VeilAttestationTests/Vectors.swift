import Foundation
import VeilAttestation
import VeilTestSupport

/// Loads the shared attestation vectors and runs verification + baseline appraisal.
enum Vectors {
    static let root = "attestation-vectors"

    static func bytes(_ path: String) throws -> [UInt8] {
        try SharedFixtures.bytes("\(root)/\(path)")
    }

    static func directory(_ path: String) -> FileCollateralProvider {
        FileCollateralProvider(url: SharedFixtures.url("\(root)/\(path)"))
    }

    static func time(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)!
    }

    static func appraise(
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
    var failedChecks: [String] { checks.filter { !$0.passed }.map(\.name) }
}
