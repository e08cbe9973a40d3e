public import Foundation

/// The endpoints of a local stack started by `veil up`, read from `endpoints.json` (default
/// `~/.veil/up/endpoints.json`): `{"relay": …, "kbs": …, "jwks": …, "node": …, "log": …}`.
public struct LocalStackEndpoints: Sendable, Hashable, Codable {
    /// The relay's base URL.
    public var relay: URL
    /// The key broker's base URL.
    public var kbs: URL?
    /// The broker's JWKS URL.
    public var jwks: URL?
    /// A node's base URL (for operators; clients go through the relay).
    public var node: URL?
    /// The transparency log's base URL.
    public var log: URL?

    /// Endpoints.
    public init(relay: URL, kbs: URL? = nil, jwks: URL? = nil, node: URL? = nil, log: URL? = nil) {
        self.relay = relay
        self.kbs = kbs
        self.jwks = jwks
        self.node = node
        self.log = log
    }

    /// `~/.veil/up`.
    public static var defaultDirectory: String {
        FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".veil/up").path
    }

    /// Reads `DIR/endpoints.json`.
    public static func read(directory: String = defaultDirectory) throws -> LocalStackEndpoints {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("endpoints.json")
        let data = try Data(contentsOf: path)
        guard data.count <= 64 << 10 else {
            throw VeilClientError(.configuration, "\(path.path) is larger than an endpoints file can be")
        }
        do {
            return try JSONDecoder().decode(LocalStackEndpoints.self, from: data)
        } catch {
            throw VeilClientError(.configuration, "\(path.path) is not a Veil endpoints file: \(error)")
        }
    }
}
