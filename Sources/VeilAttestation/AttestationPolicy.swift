/// The outcome of one policy applied to verified claims.
public enum PolicyEvaluation: Sendable, Hashable {
    case meets
    case fails(reason: String)
}

/// A policy value: appraises verified claims against reference values (the swift-certificates
/// `VerifierPolicy` shape, with one verdict per policy).
public protocol AttestationPolicy: Sendable {
    /// A stable name such as `policy.debug`, shown as the check name.
    var name: String { get }
    /// Appraises the claims.
    func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation
    /// What an operator can do when the policy fails.
    var remedy: String { get }
}

extension AttestationPolicy {
    public var remedy: String { "Review the policy's reference values against this node's evidence." }
}

/// Composes policies with a result builder:
///
/// ```swift
/// let policy = PolicySet {
///     DebugForbidden()
///     AllowedTCBStatuses([.upToDate])
///     if let mrtd { ReferenceValues(claim: "mrtd", allowed: [mrtd]) }
/// }
/// ```
@resultBuilder
public enum PolicyBuilder {
    public static func buildExpression(_ policy: some AttestationPolicy) -> [any AttestationPolicy] { [policy] }
    public static func buildExpression(_ policies: [any AttestationPolicy]) -> [any AttestationPolicy] { policies }
    public static func buildBlock(_ parts: [any AttestationPolicy]...) -> [any AttestationPolicy] {
        parts.flatMap { $0 }
    }
    public static func buildOptional(_ part: [any AttestationPolicy]?) -> [any AttestationPolicy] { part ?? [] }
    public static func buildEither(first: [any AttestationPolicy]) -> [any AttestationPolicy] { first }
    public static func buildEither(second: [any AttestationPolicy]) -> [any AttestationPolicy] { second }
    public static func buildArray(_ parts: [[any AttestationPolicy]]) -> [any AttestationPolicy] {
        parts.flatMap { $0 }
    }
}

/// An ordered set of policies; each one yields one policy check.
public struct PolicySet: Sendable {
    /// The policies in order.
    public let policies: [any AttestationPolicy]

    public init(@PolicyBuilder _ build: () -> [any AttestationPolicy]) {
        self.policies = build()
    }

    public init(_ policies: [any AttestationPolicy]) {
        self.policies = policies
    }

    /// Applies every policy, returning one check each.
    public func appraise(_ claims: VerifiedClaims) -> [VerificationCheck] {
        policies.map { policy in
            switch policy.appraise(claims) {
            case .meets:
                return VerificationCheck(name: policy.name, passed: true, detail: "meets the policy", kind: .policy)
            case .fails(let reason):
                return VerificationCheck(
                    name: policy.name,
                    passed: false,
                    detail: reason,
                    remedy: policy.remedy,
                    kind: .policy
                )
            }
        }
    }
}
