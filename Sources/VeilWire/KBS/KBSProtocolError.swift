/// A KBS message, resource path, TEE key or JWE was malformed, unsupported or failed to decrypt. Compared by
/// ``code``; the ``detail`` is for people and never carries secret bytes.
public struct KBSProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable category of failure.
    public enum Code: String, Hashable, Sendable {
        /// The JSON is not the message the protocol defines (a member missing, of the wrong type, too large).
        case malformedMessage = "malformed_message"
        /// A resource path is not `repository/type/tag` of permitted characters and lengths.
        case invalidResourcePath = "invalid_resource_path"
        /// A TEE public key (JWK) is malformed or of a kind the protocol does not allow.
        case invalidKey = "invalid_key"
        /// A JWE's structure, header or encoding is malformed.
        case malformedJWE = "malformed_jwe"
        /// A JWE uses an algorithm, encryption or header parameter Veil does not accept.
        case unsupportedJWE = "unsupported_jwe"
        /// A JWE did not decrypt: wrong key, or the ciphertext, tag, IV, encrypted key or header were altered.
        case decryptionFailed = "decryption_failed"
        /// An unknown TEE name.
        case unknownTEE = "unknown_tee"
    }

    /// The category.
    public let code: Code
    /// What went wrong.
    public let detail: String

    /// Creates an error.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
