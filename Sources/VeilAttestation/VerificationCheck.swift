/// One check a verifier or a policy made, with its outcome in words an operator can act on.
public struct VerificationCheck: Sendable, Hashable, Codable {
    /// Whether the check concerns authenticity (signature, chain, collateral) or appraisal by policy.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A failure means the evidence or its chain is not authentic: the verdict is `invalid`.
        case authenticity
        /// A failure means authentic evidence was refused by policy: the verdict is `rejected`.
        case policy
    }

    /// A stable, dotted name such as `report.signature` or `policy.debug`.
    public let name: String
    /// Whether the check passed.
    public let passed: Bool
    /// What was checked and, on failure, why it failed.
    public let detail: String
    /// What an operator can do about a failure.
    public let remedy: String?
    /// Authenticity or policy.
    public let kind: Kind

    public init(name: String, passed: Bool, detail: String, remedy: String? = nil, kind: Kind) {
        self.name = name
        self.passed = passed
        self.detail = detail
        self.remedy = remedy
        self.kind = kind
    }
}

/// Collects the checks of one verification in order.
package struct CheckRecorder: Sendable {
    package private(set) var checks: [VerificationCheck] = []

    package init() {}

    /// Whether every authenticity check so far passed.
    package var authentic: Bool { checks.allSatisfy { $0.passed || $0.kind != .authenticity } }

    package mutating func pass(_ name: String, _ detail: String, kind: VerificationCheck.Kind = .authenticity) {
        checks.append(VerificationCheck(name: name, passed: true, detail: detail, kind: kind))
    }

    package mutating func fail(
        _ name: String,
        _ detail: String,
        remedy: String? = nil,
        kind: VerificationCheck.Kind = .authenticity
    ) {
        checks.append(VerificationCheck(name: name, passed: false, detail: detail, remedy: remedy, kind: kind))
    }

    /// Records a check from a condition; returns the condition.
    @discardableResult
    package mutating func check(
        _ name: String,
        _ condition: Bool,
        passed: @autoclosure () -> String,
        failed: @autoclosure () -> String,
        remedy: String? = nil,
        kind: VerificationCheck.Kind = .authenticity
    ) -> Bool {
        if condition {
            pass(name, passed(), kind: kind)
        } else {
            fail(name, failed(), remedy: remedy, kind: kind)
        }
        return condition
    }

    package mutating func append(contentsOf other: [VerificationCheck]) {
        checks.append(contentsOf: other)
    }
}
