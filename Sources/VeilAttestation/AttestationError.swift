/// Why evidence could not be verified or appraised, compared by ``code`` (as swift-certificates compares its
/// errors): the message is for people, the code is for programs.
public struct AttestationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable category of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The evidence bytes are malformed: truncated, an unknown version, an impossible field.
        public static let malformedEvidence = Code("malformed_evidence")
        /// The evidence type could not be recognised from its bytes.
        public static let unknownEvidenceType = Code("unknown_evidence_type")
        /// A certificate, CRL or collateral document could not be parsed.
        public static let malformedCollateral = Code("malformed_collateral")
        /// Collateral that verification needs was not supplied.
        public static let missingCollateral = Code("missing_collateral")
        /// A signature did not verify.
        public static let invalidSignature = Code("invalid_signature")
        /// A certificate chain did not lead to a pinned root, or a certificate was not valid at the time.
        public static let untrustedChain = Code("untrusted_chain")
        /// A policy document could not be read.
        public static let invalidPolicy = Code("invalid_policy")
        /// A token (EAR JWT) could not be decoded or verified.
        public static let invalidToken = Code("invalid_token")

        public var description: String { name }
    }

    /// The category.
    public let code: Code
    /// What went wrong, in words an operator can act on.
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
