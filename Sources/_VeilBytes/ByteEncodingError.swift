/// A text encoding of bytes (hex, base64, base64url) was malformed.
public struct ByteEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong with the text.
    public enum Code: String, Hashable, Sendable {
        /// A character outside the alphabet.
        case invalidCharacter
        /// A length that no encoding produces (odd hex, base64 of length 1 mod 4, unpadded where padding is required).
        case invalidLength
        /// Misplaced, missing or forbidden `=` padding.
        case invalidPadding
        /// Non-zero unused bits in the last character: a second spelling of the same bytes.
        case nonCanonical
    }

    public let code: Code
    /// The character offset at which the problem was found.
    public let offset: Int
    /// Which encoding was being decoded.
    public let encoding: String

    public init(code: Code, offset: Int, encoding: String) {
        self.code = code
        self.offset = offset
        self.encoding = encoding
    }

    public var description: String {
        switch code {
        case .invalidCharacter: return "invalid \(encoding): unexpected character at offset \(offset)"
        case .invalidLength: return "invalid \(encoding): a length of \(offset) characters is not possible"
        case .invalidPadding: return "invalid \(encoding): bad padding at offset \(offset)"
        case .nonCanonical: return "invalid \(encoding): non-zero trailing bits at offset \(offset)"
        }
    }
}
