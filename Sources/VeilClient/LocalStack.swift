public import Foundation
import _VeilBytes

/// The endpoints of a local stack started by `veil up`, read from `endpoints.json` (default
/// `~/.veil/up/endpoints.json`): `{"relay": …, "kbs": …, "jwks": …, "node": …, "log": …, "log_key": …, "ak_pem": …,
/// "tenant": …}`. What the local stack's clients trust by default comes from here: the log's key (so that only a
/// logged release is approved), the TPM attestation key the stack enrolled, the tenant.
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
    /// The log's public key: its note verifier key (`origin+keyid+base64`), or the path of a file holding that
    /// text or the log's public key (then with the origin in ``logOrigin``).
    public var logKey: String?
    /// The log's origin, when ``logKey`` is a bare public key file.
    public var logOrigin: String?
    /// The path of the node's TPM attestation key (PEM `PUBLIC KEY`), enrolled by the stack: clients pin it.
    public var akPEM: String?
    /// The tenant (broker repository) the stack's node serves.
    public var tenant: String?

    enum CodingKeys: String, CodingKey {
        case relay, kbs, jwks, node, log
        case logKey = "log_key"
        case logOrigin = "log_origin"
        case akPEM = "ak_pem"
        case tenant
    }

    /// Endpoints.
    public init(
        relay: URL,
        kbs: URL? = nil,
        jwks: URL? = nil,
        node: URL? = nil,
        log: URL? = nil,
        logKey: String? = nil,
        logOrigin: String? = nil,
        akPEM: String? = nil,
        tenant: String? = nil
    ) {
        self.relay = relay
        self.kbs = kbs
        self.jwks = jwks
        self.node = node
        self.log = log
        self.logKey = logKey
        self.logOrigin = logOrigin
        self.akPEM = akPEM
        self.tenant = tenant
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

    /// Writes `DIR/endpoints.json` atomically (mode 0644: it holds no secret) and returns its path.
    @discardableResult
    public func write(directory: String) throws -> String {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("endpoints.json").path
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let writer = try AtomicFileWriter(path: path, mode: 0o644, overwrite: true)
        try writer.write(Array(try encoder.encode(self)))
        try writer.commit()
        return path
    }
}
