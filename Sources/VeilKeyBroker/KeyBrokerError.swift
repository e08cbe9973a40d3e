public import _VeilBytes

/// A key broker failure. The ``code`` maps one to one to a stable problem type
/// (`https://veil.dev/problems/kbs/<code>`); ``detail`` is for the caller, and never holds a secret.
public struct KeyBrokerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, stable across releases.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case badRequest = "bad-request"
        case unauthorized
        case forbidden
        case sessionExpired = "session-expired"
        case nonceReplayed = "nonce-replayed"
        case evidenceInvalid = "evidence-invalid"
        case policyDenied = "policy-denied"
        case tokenExpired = "token-expired"
        case tokenInvalid = "token-invalid"
        case notFound = "not-found"
        case conflict
        case invalidPolicy = "invalid-policy"
        case keyEncryptionKey = "kek"
        case storage
        /// The token is bound to another tenant than the resource's repository.
        case tenantMismatch = "tenant-mismatch"
        /// The transparency log could not record a release, so the release was refused.
        case logUnavailable = "log-unavailable"
        /// An audit row does not decode: the trail was edited outside the broker.
        case auditTampered = "audit-tampered"
    }

    /// The stable code.
    public let code: Code
    /// A human-readable explanation.
    public let detail: String

    /// An error with a code and a detail.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}

/// Error codes are fixed identifiers, safe to log.
extension KeyBrokerError.Code: LogSafe {}
