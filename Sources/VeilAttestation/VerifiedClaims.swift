public import Foundation

/// Claims that a platform verifier established from authentic evidence.
///
/// Only a verifier can construct a value (its initialiser is `package`), so holding one proves that the
/// signatures, chains and collateral checks it lists passed.
public struct VerifiedClaims: Sendable {
    /// The platform that produced the evidence.
    public let platform: AttestationPlatform
    /// Named claims: measurements, report data, TCB values, identities.
    public let claims: [String: ClaimValue]
    /// Whether the TEE runs with debugging enabled (its memory is readable by the host).
    public let isDebug: Bool
    /// The Intel TCB status, when TCB collateral was evaluated.
    public let tcbStatus: TCBStatus?
    /// Security advisories that apply to the matched TCB level.
    public let advisoryIDs: [String]
    /// The report data (or TPM extraData) the evidence binds.
    public let reportData: [UInt8]
    /// Collateral that was not supplied; appraisal fails unless a relaxation covers it.
    public let missingCollateral: [MissingCollateral]
    /// The checks the verifier made, all authenticity checks passed.
    public let checks: [VerificationCheck]
    /// The verification time.
    public let time: Date
    /// The expected nonce of the verification context.
    public let expectedNonce: [UInt8]?
    /// The relaxations that were in force.
    public let options: VerificationOptions

    /// A piece of collateral that was not available.
    public enum MissingCollateral: String, Sendable, Hashable, Codable {
        /// TCB info / QE identity (Intel).
        case tcbInfo = "tcb_info"
        /// The PCK CRL or root CA CRL (Intel), or the ARK CRL (AMD).
        case crl
    }

    package init(
        platform: AttestationPlatform,
        claims: [String: ClaimValue],
        isDebug: Bool,
        tcbStatus: TCBStatus? = nil,
        advisoryIDs: [String] = [],
        reportData: [UInt8],
        missingCollateral: [MissingCollateral] = [],
        checks: [VerificationCheck],
        context: VerificationContext
    ) {
        self.platform = platform
        self.claims = claims
        self.isDebug = isDebug
        self.tcbStatus = tcbStatus
        self.advisoryIDs = advisoryIDs
        self.reportData = reportData
        self.missingCollateral = missingCollateral
        self.checks = checks
        self.time = context.time
        self.expectedNonce = context.nonce
        self.options = context.options
    }
}

/// What a platform verifier returns: the checks it made and, when every authenticity check passed, the claims.
public struct VerificationReport: Sendable {
    /// The platform, when it could be determined.
    public let platform: AttestationPlatform?
    /// Every check made, in order.
    public let checks: [VerificationCheck]
    /// The claims, present only when the evidence is authentic.
    public let claims: VerifiedClaims?
    /// Claims decoded from the evidence even when it is not authentic (for diagnostics only; never trust them).
    public let unverifiedClaims: [String: ClaimValue]

    package init(
        platform: AttestationPlatform?,
        checks: [VerificationCheck],
        claims: VerifiedClaims?,
        unverifiedClaims: [String: ClaimValue] = [:]
    ) {
        self.platform = platform
        self.checks = checks
        self.claims = claims
        self.unverifiedClaims = unverifiedClaims
    }

    /// A report for evidence that could not be parsed.
    package static func malformed(
        _ platform: AttestationPlatform?,
        name: String,
        error: any Error,
        checks: [VerificationCheck] = []
    ) -> VerificationReport {
        var all = checks
        all.append(
            VerificationCheck(
                name: name,
                passed: false,
                detail: "could not parse: \(error)",
                remedy: "Supply the unmodified evidence bytes as the TEE produced them.",
                kind: .authenticity
            )
        )
        return VerificationReport(platform: platform, checks: all, claims: nil)
    }
}

/// A platform verifier: turns evidence bytes into verified claims, or says which check failed.
public protocol AttestationVerifier: Sendable {
    /// The platform this verifier handles.
    var platform: AttestationPlatform { get }
    /// Verifies evidence. Never throws: every failure is a failed check in the report.
    func verify(_ evidence: [UInt8], context: VerificationContext) -> VerificationReport
}

extension VerificationReport {
    /// A report for bytes that no verifier recognises.
    public static func unrecognised(count: Int) -> VerificationReport {
        VerificationReport(
            platform: nil,
            checks: [
                VerificationCheck(
                    name: "evidence.type",
                    passed: false,
                    detail: count > 16 << 20
                        ? "\(count) bytes is above the 16 MiB limit for evidence"
                        : "the \(count) bytes are not an SEV-SNP report, a DCAP quote, a TPM quote bundle or Azure "
                            + "evidence JSON",
                    remedy: "Supply the evidence file as the TEE produced it.",
                    kind: .authenticity
                )
            ],
            claims: nil
        )
    }
}
