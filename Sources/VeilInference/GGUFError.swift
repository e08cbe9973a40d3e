/// A GGUF file is malformed, truncated, or inconsistent; or a tensor or key a model needs is missing.
public struct GGUFError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure, compared by code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The bytes do not start with `GGUF`.
        public static let badMagic = Code(name: "bad magic")
        /// A GGUF version other than 2 or 3.
        public static let unsupportedVersion = Code(name: "unsupported version")
        /// The bytes end early or a field has an impossible value.
        public static let malformed = Code(name: "malformed")
        /// A count or size is beyond what the file could hold.
        public static let limitExceeded = Code(name: "limit exceeded")
        /// A tensor uses a type the engine does not implement.
        public static let unsupportedTensorType = Code(name: "unsupported tensor type")
        /// A tensor or metadata key the model needs is absent or has the wrong shape or type.
        public static let missing = Code(name: "missing or mismatched")
        public var description: String { name }
    }

    /// The failure.
    public let code: Code
    /// The byte offset where it was detected (0 when not tied to one).
    public let offset: Int
    /// What was expected, in words.
    public let detail: String

    /// Creates an error.
    public init(_ code: Code, offset: Int = 0, _ detail: String) {
        self.code = code
        self.offset = offset
        self.detail = detail
    }

    public var description: String { "GGUF \(code) at offset \(offset): \(detail)" }
}
