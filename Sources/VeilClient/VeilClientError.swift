/// A failure of the client SDK. Compared by ``code``; ``detail`` says what failed and what to do.
public struct VeilClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Hashable, Sendable {
        /// The relay or node could not be reached, or answered outside the protocol.
        case transport
        /// The attestation bundle is malformed.
        case malformedBundle
        /// The attestation bundle failed verification: the node is not trusted, nothing was sent.
        case verificationFailed
        /// The node no longer serves the key this client encrypted to, even after refetching the bundle.
        case keyConfigStale
        /// The relay or node refused the request (an outer problem).
        case rejected
        /// The encrypted exchange failed (decryption, truncation, framing).
        case encryption
        /// The inner OpenAI route answered with an error.
        case upstream
        /// The configuration is not usable.
        case configuration
    }

    /// What kind of failure.
    public let code: Code
    /// What failed, in words a person can act on.
    public let detail: String
    /// The HTTP status involved, if any.
    public let status: Int?

    /// An error.
    public init(_ code: Code, _ detail: String, status: Int? = nil) {
        self.code = code
        self.detail = detail
        self.status = status
    }

    public var description: String { "veil client \(code.rawValue): \(detail)" }
}

extension VeilClientError {
    /// What a person should do about this failure (`veil chat`).
    public var remedy: String {
        switch code {
        case .verificationFailed:
            return "Nothing was sent. Check the node, the log key (--log-key) or the policy (--policy; "
                + "--allow-simulated, --accept-any-measurement for development)."
        case .transport: return "Check that the relay is running (--relay URL, or `veil up`)."
        case .configuration: return "Check --jwks, --log-key and --policy."
        default: return "Try again; if it persists, check the node's and relay's logs."
        }
    }
}
