/// A resource's name: `repository/type/tag`, each part `[A-Za-z0-9._-]+` (1–128 characters, not `.` or `..`).
/// The repository is the tenant: policies and tenant admins are scoped to it.
public struct ResourceID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The repository (tenant).
    public let repository: String
    /// The resource type (for example `key`).
    public let type: String
    /// The tag (for example `llama-3-8b`).
    public let tag: String

    /// The longest part.
    public static let maximumPartLength = 128

    /// A validated resource name.
    public init(repository: String, type: String, tag: String) throws(KeyBrokerError) {
        for part in [repository, type, tag] { try Self.validate(part) }
        self.repository = repository
        self.type = type
        self.tag = tag
    }

    /// Parses `repository/type/tag`.
    public init(path: String) throws(KeyBrokerError) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else {
            throw KeyBrokerError(.badRequest, "a resource path is repository/type/tag")
        }
        try self.init(repository: parts[0], type: parts[1], tag: parts[2])
    }

    /// `repository/type/tag`.
    public var path: String { "\(repository)/\(type)/\(tag)" }

    public var description: String { path }

    /// Checks one path part (also used for repository names alone).
    public static func validate(_ part: String) throws(KeyBrokerError) {
        guard !part.isEmpty, part.utf8.count <= maximumPartLength, part != ".", part != "..",
            part.utf8.allSatisfy({ byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            })
        else {
            throw KeyBrokerError(
                .badRequest,
                "each resource path part is 1-\(maximumPartLength) characters of [A-Za-z0-9._-], not . or .."
            )
        }
    }
}
