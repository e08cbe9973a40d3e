public import Foundation
public import VeilAttestation
public import VeilTransparency
import _VeilBytes

/// A node's attestation bundle, served at `GET /.well-known/veil/attestation` (docs/protocols/node.md): the key
/// configuration list, the evidence binding it (through the runtime data), the broker's EAR when there is one, the
/// stapled transparency-log inclusion and the validity window.
///
/// The node writes it (``json()``), the client and the relay read it (``init(json:)``). Reading checks structure
/// only, not the binding or the evidence: that is the client's verifier's job.
public struct AttestationBundle: Sendable, Codable {
    /// `veil-attestation-bundle`.
    public static let formatName = "veil-attestation-bundle"
    /// The version this code writes and reads.
    public static let currentVersion = 1
    /// The largest bundle accepted (evidence with stapled collateral stays well below).
    public static let maximumSize = 4 << 20

    /// The node process's stable random id (hex).
    public var nodeID: String
    /// The `application/ohttp-keys` list.
    public var keyConfigs: [UInt8]
    /// The `key_configs` member exactly as sent (base64url).
    public var keyConfigsText: String
    /// The evidence bundle JSON (re-encoded from the member; its binding carries the runtime data as a string).
    public var evidenceJSON: [UInt8]
    /// The exact runtime-data bytes.
    public var runtimeData: [UInt8]
    /// The broker's EAR JWT, or nil (self-attested development node).
    public var ear: String?
    /// The broker's base URL, or nil.
    public var kbsURL: String?
    /// The stapled transparency-log inclusion of the node's `release` entry (checkpoint, entry, audit path), if
    /// any. Parsed here, verified by the client against its pinned log keys.
    public var logInclusion: InclusionBundle?
    /// Whether a log inclusion proof is attached.
    public var hasLogInclusion: Bool { logInclusion != nil }
    /// When the node issued it.
    public var issuedAt: Date
    /// After this, clients must refetch.
    public var expiresAt: Date

    /// A bundle over `evidence`, as the node issues it.
    public init(
        nodeID: String,
        keyConfigs: [UInt8],
        evidence: EvidenceBundle,
        runtimeData: [UInt8],
        ear: String?,
        kbsURL: String?,
        logInclusion: InclusionBundle? = nil,
        issuedAt: Date,
        expiresAt: Date
    ) {
        self.nodeID = nodeID
        self.keyConfigs = keyConfigs
        self.keyConfigsText = Base64URL.encode(keyConfigs)
        self.evidenceJSON = evidence.json()
        self.runtimeData = runtimeData
        self.ear = ear
        self.kbsURL = kbsURL
        self.logInclusion = logInclusion
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    /// The evidence bundle, decoded from ``evidenceJSON``.
    public func evidence() throws(AttestationError) -> EvidenceBundle {
        try EvidenceBundle(json: evidenceJSON)
    }

    /// The JSON encoding (compact, keys sorted): the one encoder.
    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// Parses bundle JSON (at most ``maximumSize`` bytes; structure only): the one decoder.
    public init(json bytes: [UInt8]) throws(AttestationBundleError) {
        guard bytes.count <= Self.maximumSize else {
            throw AttestationBundleError("the attestation bundle exceeds \(Self.maximumSize) bytes")
        }
        do {
            self = try JSONDecoder().decode(AttestationBundle.self, from: Data(bytes))
        } catch let error as AttestationBundleError {
            throw error
        } catch {
            throw AttestationBundleError("the attestation bundle is not a JSON object")
        }
    }

    enum CodingKeys: String, CodingKey {
        case format
        case version
        case nodeID = "node_id"
        case keyConfigs = "key_configs"
        case evidence
        case runtimeData = "runtime_data"
        case ear
        case kbsURL = "kbs_url"
        case logInclusion = "log_inclusion"
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.formatName, forKey: .format)
        try container.encode(Self.currentVersion, forKey: .version)
        try container.encode(nodeID, forKey: .nodeID)
        try container.encode(keyConfigsText, forKey: .keyConfigs)
        let evidence = (try? JSONDecoder().decode(KBS.JSONValue.self, from: Data(evidenceJSON))) ?? .object([:])
        try container.encode(evidence, forKey: .evidence)
        try container.encode(Base64URL.encode(runtimeData), forKey: .runtimeData)
        try container.encode(ear, forKey: .ear)
        try container.encode(kbsURL, forKey: .kbsURL)
        try container.encode(logInclusion, forKey: .logInclusion)
        try container.encode(RFC3339.string(issuedAt), forKey: .issuedAt)
        try container.encode(RFC3339.string(expiresAt), forKey: .expiresAt)
    }

    public init(from decoder: any Decoder) throws {
        let object: KeyedDecodingContainer<CodingKeys>
        do { object = try decoder.container(keyedBy: CodingKeys.self) } catch {
            throw AttestationBundleError("the attestation bundle is not a JSON object")
        }
        guard (try? object.decodeIfPresent(String.self, forKey: .format)) == Self.formatName,
            (try? object.decodeIfPresent(Int.self, forKey: .version)) == Self.currentVersion
        else {
            throw AttestationBundleError("not a \(Self.formatName) version \(Self.currentVersion)")
        }
        func string(_ key: CodingKeys) throws(AttestationBundleError) -> String {
            guard let value = try? object.decode(String.self, forKey: key) else {
                throw AttestationBundleError("the bundle's \(key.rawValue) is missing or not a string")
            }
            return value
        }
        nodeID = try string(.nodeID)
        keyConfigsText = try string(.keyConfigs)
        guard let keys = try? Base64URL.decode(keyConfigsText) else {
            throw AttestationBundleError("the bundle's key_configs is not base64url")
        }
        keyConfigs = keys
        guard let runtime = try? Base64URL.decode(try string(.runtimeData)) else {
            throw AttestationBundleError("the bundle's runtime_data is not base64url")
        }
        runtimeData = runtime
        guard case .object(let evidence)? = try? object.decodeIfPresent(KBS.JSONValue.self, forKey: .evidence) else {
            throw AttestationBundleError("the bundle's evidence is not a JSON object")
        }
        evidenceJSON = KBS.JSONValue.object(evidence).jsonBytes()
        guard let issued = RFC3339.date(try string(.issuedAt)),
            let expires = RFC3339.date(try string(.expiresAt))
        else {
            throw AttestationBundleError("the bundle's issued_at or expires_at is not an RFC 3339 time")
        }
        issuedAt = issued
        expiresAt = expires
        ear = try? object.decodeIfPresent(String.self, forKey: .ear)
        kbsURL = try? object.decodeIfPresent(String.self, forKey: .kbsURL)
        switch try? object.decodeIfPresent(KBS.JSONValue.self, forKey: .logInclusion) {
        case nil, .null?:
            logInclusion = nil
        case .object(let inclusion)?:
            guard let parsed = try? InclusionBundle.decode(Data(KBS.JSONValue.object(inclusion).jsonBytes())) else {
                throw AttestationBundleError(
                    "the bundle's log_inclusion is not an inclusion bundle (checkpoint, leaf_index, leaf_data, proof, "
                        + "expires_at)"
                )
            }
            logInclusion = parsed
        default:
            throw AttestationBundleError("the bundle's log_inclusion is neither null nor a JSON object")
        }
    }
}

/// A malformed attestation bundle.
public struct AttestationBundleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    /// Always `malformedBundle`.
    public var code: String { "malformedBundle" }
    init(_ description: String) { self.description = description }
}
