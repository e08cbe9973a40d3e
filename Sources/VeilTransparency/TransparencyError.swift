/// A transparency check failed: which check, and why, in words an operator can act on.
public struct TransparencyError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// A signed note or checkpoint is not well-formed.
        case malformedNote
        /// A verifier key or key file is not usable.
        case malformedKey
        /// A signature from a trusted key failed to verify.
        case badSignature
        /// No signature from a trusted key is present.
        case untrustedSignature
        /// Two trusted keys share a name and key ID.
        case ambiguousKey
        /// The checkpoint names another log.
        case wrongOrigin
        /// The checkpoint is older than allowed, or carries no signed time.
        case stale
        /// A stapled proof is past its expiry.
        case expired
        /// Too few trusted witnesses cosigned.
        case insufficientWitnesses
        /// A Merkle proof did not verify.
        case badProof
        /// An entry is malformed or not canonical.
        case malformedEntry
        /// The entry does not contain what was asked about.
        case notIncluded
        /// The log went backwards: a smaller tree than one seen before.
        case rollback
        /// The log showed two views that no consistency proof joins.
        case fork
        /// A submission envelope is malformed, unsigned or not for this log.
        case badSubmission
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
