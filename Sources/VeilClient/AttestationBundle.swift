public import Foundation
public import VeilTransparency
import _VeilBytes

/// A node's attestation bundle as fetched (INTERFACES C, docs/client.md): not yet verified. Only
/// ``BundleVerifier`` turns it into a ``VerifiedBundle``.
public struct AttestationBundle: Sendable {
    /// `veil-attestation-bundle`.
    public static let formatName = "veil-attestation-bundle"
    /// The largest bundle the client accepts.
    public static let maximumSize = 4 << 20

    /// The node process's id.
    public let nodeID: String
    /// The `application/ohttp-keys` list.
    public let keyConfigs: [UInt8]
    /// The `key_configs` member exactly as sent (base64url).
    public let keyConfigsText: String
    /// The evidence bundle JSON (re-encoded from the member; its binding carries the runtime data as a string).
    public let evidenceJSON: [UInt8]
    /// The exact runtime-data bytes.
    public let runtimeData: [UInt8]
    /// The broker's EAR JWT, if any.
    public let ear: String?
    /// The broker's base URL, if any.
    public let kbsURL: String?
    /// The stapled transparency-log inclusion of the node's `release` entry (checkpoint, entry, audit path), if
    /// any. Parsed here, verified by ``BundleVerifier`` against the client's pinned log keys.
    public let logInclusion: InclusionBundle?
    /// Whether a log inclusion proof is attached.
    public var hasLogInclusion: Bool { logInclusion != nil }
    /// When the node issued it.
    public let issuedAt: Date
    /// When it expires.
    public let expiresAt: Date

    /// Parses bundle JSON (structure only).
    public init(json bytes: [UInt8]) throws(VeilClientError) {
        guard bytes.count <= Self.maximumSize else {
            throw VeilClientError(.malformedBundle, "the attestation bundle exceeds \(Self.maximumSize) bytes")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw VeilClientError(.malformedBundle, "the attestation bundle is not a JSON object")
        }
        guard object["format"] as? String == Self.formatName, object["version"] as? Int == 1 else {
            throw VeilClientError(.malformedBundle, "not a \(Self.formatName) version 1")
        }
        func string(_ name: String) throws(VeilClientError) -> String {
            guard let value = object[name] as? String else {
                throw VeilClientError(.malformedBundle, "the bundle's \(name) is missing or not a string")
            }
            return value
        }
        nodeID = try string("node_id")
        keyConfigsText = try string("key_configs")
        guard let keys = try? Base64URL.decode(keyConfigsText) else {
            throw VeilClientError(.malformedBundle, "the bundle's key_configs is not base64url")
        }
        keyConfigs = keys
        guard let runtime = try? Base64URL.decode(try string("runtime_data")) else {
            throw VeilClientError(.malformedBundle, "the bundle's runtime_data is not base64url")
        }
        runtimeData = runtime
        guard let evidence = object["evidence"] as? [String: Any],
            let evidenceData = try? JSONSerialization.data(withJSONObject: evidence, options: [.sortedKeys])
        else {
            throw VeilClientError(.malformedBundle, "the bundle's evidence is not a JSON object")
        }
        evidenceJSON = Array(evidenceData)
        guard let issued = Self.parseTime(try string("issued_at")),
            let expires = Self.parseTime(try string("expires_at"))
        else {
            throw VeilClientError(.malformedBundle, "the bundle's issued_at or expires_at is not an RFC 3339 time")
        }
        issuedAt = issued
        expiresAt = expires
        ear = object["ear"] as? String
        kbsURL = object["kbs_url"] as? String
        switch object["log_inclusion"] {
        case nil, is NSNull:
            logInclusion = nil
        case let inclusion as [String: Any]:
            guard let data = try? JSONSerialization.data(withJSONObject: inclusion),
                let parsed = try? InclusionBundle.decode(data)
            else {
                throw VeilClientError(
                    .malformedBundle,
                    "the bundle's log_inclusion is not an inclusion bundle (checkpoint, leaf_index, leaf_data, proof, "
                        + "expires_at)"
                )
            }
            logInclusion = parsed
        default:
            throw VeilClientError(.malformedBundle, "the bundle's log_inclusion is neither null nor a JSON object")
        }
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
