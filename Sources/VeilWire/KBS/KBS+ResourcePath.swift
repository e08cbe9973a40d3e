extension KBS {
    /// A resource's location `repository/type/tag` (`GET /kbs/v0/resource/<repository>/<type>/<tag>`), validated:
    /// each part is 1 to ``maximumComponentLength`` characters of `[A-Za-z0-9._-]`, and neither `.` nor `..`.
    /// The repository is the tenant.
    public struct ResourcePath: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
        /// The longest part.
        public static let maximumComponentLength = 128

        /// The repository (tenant).
        public let repository: String
        /// The resource type (e.g. `key`).
        public let type: String
        /// The tag (e.g. `model-kek`).
        public let tag: String

        /// Validates the three parts.
        public init(repository: String, type: String, tag: String) throws(KBSProtocolError) {
            for (name, value) in [("repository", repository), ("type", type), ("tag", tag)] {
                try Self.validate(value, name)
            }
            self.repository = repository
            self.type = type
            self.tag = tag
        }

        /// Parses `repository/type/tag` (no leading or trailing slash, exactly three parts).
        public init(_ text: String) throws(KBSProtocolError) {
            guard text.utf8.count <= 3 * Self.maximumComponentLength + 2 else {
                throw KBSProtocolError(.invalidResourcePath, "the resource path is too long")
            }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3 else {
                throw KBSProtocolError(.invalidResourcePath, "a resource path is repository/type/tag")
            }
            try self.init(repository: String(parts[0]), type: String(parts[1]), tag: String(parts[2]))
        }

        /// `repository/type/tag`.
        public var description: String { "\(repository)/\(type)/\(tag)" }

        public static func < (lhs: ResourcePath, rhs: ResourcePath) -> Bool {
            lhs.description < rhs.description
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            do {
                try self.init(text)
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.detail)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }

        private static func validate(_ value: String, _ name: String) throws(KBSProtocolError) {
            let bytes = Array(value.utf8)
            guard !bytes.isEmpty, bytes.count <= maximumComponentLength else {
                throw KBSProtocolError(
                    .invalidResourcePath,
                    "the \(name) must be 1 to \(maximumComponentLength) characters"
                )
            }
            guard value != ".", value != ".." else {
                throw KBSProtocolError(.invalidResourcePath, "the \(name) may not be \".\" or \"..\"")
            }
            let allowed = bytes.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    return true
                default:
                    return false
                }
            }
            guard allowed else {
                throw KBSProtocolError(.invalidResourcePath, "the \(name) may hold only A-Z a-z 0-9 . _ -")
            }
        }
    }
}
