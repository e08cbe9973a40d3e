public import Foundation

/// The verdict on evidence.
public enum Verdict: String, Sendable, Hashable, Codable {
    /// Authentic and accepted by the policy.
    case accepted
    /// Authentic, but refused by the policy.
    case rejected
    /// Not authentic: a signature, chain or collateral check failed, or the evidence is malformed.
    case invalid

    /// The CLI exit status: 0 accepted, 1 rejected, 2 invalid.
    public var exitCode: Int32 {
        switch self {
        case .accepted: return 0
        case .rejected: return 1
        case .invalid: return 2
        }
    }
}

/// The outcome of verification and appraisal: the verdict, every check, the claims. Signed, it is an EAR.
public struct AttestationResult: Sendable {
    public let verdict: Verdict
    public let platform: AttestationPlatform?
    public let tcbStatus: TCBStatus?
    public let advisoryIDs: [String]
    /// Verified claims when authentic; otherwise the decoded (untrusted) claims, for diagnostics.
    public let claims: [String: ClaimValue]
    public let checks: [VerificationCheck]
    /// The relaxations in force.
    public let relaxations: [String]
    public let time: Date

    /// The first failed check, if any.
    public var firstFailure: VerificationCheck? { checks.first { !$0.passed } }
}

/// Appraises a verifier's report with a policy set: the second phase of RATS.
public enum Appraiser {
    /// Applies `policies` to the report's claims and yields the result.
    public static func appraise(
        _ report: VerificationReport,
        policies: PolicySet,
        context: VerificationContext
    )
        -> AttestationResult
    {
        guard let claims = report.claims, report.checks.allSatisfy({ $0.passed || $0.kind != .authenticity }) else {
            return AttestationResult(
                verdict: .invalid,
                platform: report.platform,
                tcbStatus: nil,
                advisoryIDs: [],
                claims: report.unverifiedClaims,
                checks: report.checks,
                relaxations: context.options.relaxations,
                time: context.time
            )
        }
        let policyChecks = policies.appraise(claims)
        let checks = report.checks + policyChecks
        let accepted = policyChecks.allSatisfy(\.passed)
        return AttestationResult(
            verdict: accepted ? .accepted : .rejected,
            platform: claims.platform,
            tcbStatus: claims.tcbStatus,
            advisoryIDs: claims.advisoryIDs,
            claims: claims.claims,
            checks: checks,
            relaxations: context.options.relaxations,
            time: context.time
        )
    }
}
