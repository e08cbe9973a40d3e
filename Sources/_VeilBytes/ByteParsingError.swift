/// A failure to parse untrusted bytes: which check failed, at which offset, and what was expected.
///
/// Errors are compared by ``code`` (and offset), as in swift-certificates: callers switch on the code,
/// people read ``description``.
public struct ByteParsingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of check failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: String, Hashable, Sendable {
            case truncated
            case invalidValue
            case trailingBytes
            case limitExceeded
            case invalidOffset
        }

        fileprivate let kind: Kind

        /// The input ended before the value that was expected.
        public static let truncated = Code(kind: .truncated)
        /// The bytes are present but do not form a valid value (bad UTF-8, a reserved encoding, …).
        public static let invalidValue = Code(kind: .invalidValue)
        /// A structure was complete but bytes were left over.
        public static let trailingBytes = Code(kind: .trailingBytes)
        /// A declared length or count exceeds the limit the caller set.
        public static let limitExceeded = Code(kind: .limitExceeded)
        /// A seek or skip pointed outside the input.
        public static let invalidOffset = Code(kind: .invalidOffset)

        public var description: String { kind.rawValue }
    }

    /// The failed check.
    public let code: Code
    /// The offset, from the start of the input, at which the read began.
    public let offset: Int
    /// What the reader expected to find, e.g. `"UInt32 (4 bytes) for report version"`.
    public let expected: String
    /// How many bytes were left at ``offset`` when the read failed.
    public let remaining: Int

    public init(code: Code, offset: Int, expected: String, remaining: Int) {
        self.code = code
        self.offset = offset
        self.expected = expected
        self.remaining = remaining
    }

    public var description: String {
        switch code {
        case .truncated:
            return "truncated input at offset \(offset): expected \(expected), but only \(remaining) bytes remain"
        case .trailingBytes:
            return "unexpected trailing data at offset \(offset): \(remaining) bytes after \(expected)"
        case .limitExceeded:
            return "limit exceeded at offset \(offset): \(expected)"
        case .invalidOffset:
            return "invalid offset \(offset): \(expected)"
        default:
            return "invalid value at offset \(offset): expected \(expected)"
        }
    }
}
