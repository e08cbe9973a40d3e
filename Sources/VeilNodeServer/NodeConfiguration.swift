public import _VeilBytes
import Foundation
public import VeilAttesters
import VeilWire
public import VeilServerKit

/// What a node runs, as `veil-node` / `veil node serve` was asked: where to listen, which model (sealed with a key
/// from the broker, plaintext for development, or an upstream server), which TEE attests it, key rotation, the
/// logged release it staples, limits. ``NodeService/run(_:note:onRunning:)`` assembles and serves it.
public struct NodeConfiguration: Sendable {
    /// The address to listen on (port 0: any free port).
    public var listen: ListenAddress
    /// DEVELOPMENT: a plaintext GGUF model (no key broker).
    public var model: String?
    /// A sealed model (.veil), unsealed into locked memory with the key from ``kbs``.
    public var sealed: String?
    /// The key broker's base URL: attest to it and fetch the model key.
    public var kbs: String?
    /// The broker resource holding the model key (`REPO/TYPE/TAG`).
    public var resource: String?
    /// The expected owners of the sealed model (public key files).
    public var ownerKeys: [String]
    /// Unseal even if the model cannot be locked into RAM (development only).
    public var allowUnlockedMemory: Bool
    /// A sentence-transformers directory to serve /v1/embeddings.
    public var embeddingModel: String?
    /// Forward decrypted requests to this OpenAI-compatible server on loopback.
    public var upstream: String?
    /// The model id in /v1/models and responses (default: from the file name).
    public var modelName: String?
    /// What produces the node's evidence.
    public var attester: AttesterFactory
    /// Rotate the OHTTP keys (and re-attest) this often; nil: never.
    public var keyRotation: Duration?
    /// Keep accepting a retired key this long after rotation.
    public var keyGrace: Duration
    /// This build's release entry file (`veil release --out FILE`); goes with ``log``.
    public var release: String?
    /// The transparency log holding the release.
    public var log: String?
    /// The tenant (broker repository) this node serves, bound in its evidence.
    public var tenant: String?
    /// The most tokens one request may generate.
    public var maxTokens: Int
    /// The largest encapsulated request accepted, in bytes.
    public var maxRequestSize: Int

    /// A configuration (the defaults are the command line's).
    public init(
        listen: ListenAddress,
        model: String? = nil,
        sealed: String? = nil,
        kbs: String? = nil,
        resource: String? = nil,
        ownerKeys: [String] = [],
        allowUnlockedMemory: Bool = false,
        embeddingModel: String? = nil,
        upstream: String? = nil,
        modelName: String? = nil,
        attester: AttesterFactory,
        keyRotation: Duration? = .seconds(3600),
        keyGrace: Duration = .seconds(300),
        release: String? = nil,
        log: String? = nil,
        tenant: String? = nil,
        maxTokens: Int = 512,
        maxRequestSize: Int = 8 << 20
    ) {
        self.listen = listen
        self.model = model
        self.sealed = sealed
        self.kbs = kbs
        self.resource = resource
        self.ownerKeys = ownerKeys
        self.allowUnlockedMemory = allowUnlockedMemory
        self.embeddingModel = embeddingModel
        self.upstream = upstream
        self.modelName = modelName
        self.attester = attester
        self.keyRotation = keyRotation
        self.keyGrace = keyGrace
        self.release = release
        self.log = log
        self.tenant = tenant
        self.maxTokens = maxTokens
        self.maxRequestSize = maxRequestSize
    }

    /// Whether `text` is a broker resource path `REPO/TYPE/TAG` (`[A-Za-z0-9._-]+` each).
    public static func isResourcePath(_ text: String) -> Bool { (try? KBS.ResourcePath(text)) != nil }

    /// Whether `text` is a broker repository name (`[A-Za-z0-9._-]+`), as a tenant must be.
    public static func isTenantName(_ text: String) -> Bool { isResourcePath("\(text)/key/x") }
}

/// Durations on the command line: `90s`, `30m`, `1h`, `500ms`.
public enum NodeDuration {
    /// The duration `text` names, or nil.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value > 0 else { return nil }
            return .milliseconds(Int64(value * scale * 1000))
        }
        return nil
    }
}

/// Why the node could not start: what went wrong and what to do (printed as the CLI prints its errors).
public typealias NodeStartupError = RemedialError
