public import Foundation
public import VeilAttestation
import _VeilBytes

/// The node's attestation bundle, served at `GET /.well-known/veil/attestation` (docs/protocols/node.md):
/// the key configuration list, the evidence binding it (through the runtime data), the broker's EAR when there is
/// one, and the validity window.
public struct NodeAttestationBundle: Sendable {
    /// `veil-attestation-bundle`.
    public static let formatName = "veil-attestation-bundle"
    /// The version this code writes and reads.
    public static let currentVersion = 1

    /// This node process's stable random id (hex).
    public var nodeID: String
    /// The `application/ohttp-keys` list.
    public var keyConfigs: [UInt8]
    /// The evidence, bound to ``runtimeData``.
    public var evidence: EvidenceBundle
    /// The exact runtime-data JSON bytes.
    public var runtimeData: [UInt8]
    /// The broker's EAR JWT, or nil (self-attested development node).
    public var ear: String?
    /// The broker's base URL, or nil.
    public var kbsURL: String?
    /// A transparency-log inclusion proof (JSON object bytes), or nil.
    public var logInclusion: [UInt8]?
    /// When this bundle was issued.
    public var issuedAt: Date
    /// After this, clients must refetch.
    public var expiresAt: Date

    public init(
        nodeID: String,
        keyConfigs: [UInt8],
        evidence: EvidenceBundle,
        runtimeData: [UInt8],
        ear: String?,
        kbsURL: String?,
        logInclusion: [UInt8]? = nil,
        issuedAt: Date,
        expiresAt: Date
    ) {
        self.nodeID = nodeID
        self.keyConfigs = keyConfigs
        self.evidence = evidence
        self.runtimeData = runtimeData
        self.ear = ear
        self.kbsURL = kbsURL
        self.logInclusion = logInclusion
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    /// The JSON encoding (compact, keys sorted).
    public func json() -> [UInt8] {
        let evidenceObject = (try? JSONSerialization.jsonObject(with: Data(evidence.json()))) ?? [String: Any]()
        let inclusion: Any = logInclusion.flatMap { try? JSONSerialization.jsonObject(with: Data($0)) } ?? NSNull()
        let object: [String: Any] = [
            "format": Self.formatName,
            "version": Self.currentVersion,
            "node_id": nodeID,
            "key_configs": Base64URL.encode(keyConfigs),
            "evidence": evidenceObject,
            "runtime_data": Base64URL.encode(runtimeData),
            "ear": ear.map { $0 as Any } ?? NSNull(),
            "kbs_url": kbsURL.map { $0 as Any } ?? NSNull(),
            "log_inclusion": inclusion,
            "issued_at": Self.rfc3339(issuedAt),
            "expires_at": Self.rfc3339(expiresAt),
        ]
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data ?? Data())
    }

    /// Parses a bundle (bounded: at most ``maximumSize`` bytes). Checks structure only, not the binding or the
    /// evidence: that is the client's verifier's job (see ``bindingProblems()`` for the binding rule).
    public init(json bytes: [UInt8]) throws(NodeBundleError) {
        guard bytes.count <= Self.maximumSize else {
            throw NodeBundleError("the bundle exceeds \(Self.maximumSize) bytes")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw NodeBundleError("the bundle is not a JSON object")
        }
        guard object["format"] as? String == Self.formatName, object["version"] as? Int == Self.currentVersion else {
            throw NodeBundleError("not a \(Self.formatName) version \(Self.currentVersion)")
        }
        guard let nodeID = object["node_id"] as? String,
            let keyText = object["key_configs"] as? String, let keyConfigs = try? Base64URL.decode(keyText),
            let runtimeText = object["runtime_data"] as? String, let runtimeData = try? Base64URL.decode(runtimeText),
            let evidenceObject = object["evidence"] as? [String: Any],
            let evidenceData = try? JSONSerialization.data(withJSONObject: evidenceObject),
            let issuedText = object["issued_at"] as? String, let issuedAt = Self.parseRFC3339(issuedText),
            let expiresText = object["expires_at"] as? String, let expiresAt = Self.parseRFC3339(expiresText)
        else { throw NodeBundleError("a required member is missing or malformed") }
        do {
            evidence = try EvidenceBundle(json: Array(evidenceData))
        } catch {
            throw NodeBundleError("the evidence is malformed: \(error)")
        }
        self.nodeID = nodeID
        self.keyConfigs = keyConfigs
        self.runtimeData = runtimeData
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        ear = object["ear"] as? String
        kbsURL = object["kbs_url"] as? String
        logInclusion = (object["log_inclusion"] as? [String: Any]).flatMap {
            (try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])).map(Array.init)
        }
    }

    /// The largest bundle accepted (evidence with stapled collateral stays well below).
    public static let maximumSize = 4 << 20

    /// The binding rule's structural part: `runtime_data`'s `veil-ohttp-keys` equals `key_configs`, and the
    /// evidence's KBS binding is over exactly `runtime_data`. Returns what fails (empty when it holds).
    public func bindingProblems() -> [String] {
        var problems: [String] = []
        if NodeRuntimeData.keyConfigs(in: runtimeData) != Base64URL.encode(keyConfigs) {
            problems.append("runtime_data's veil-ohttp-keys is not key_configs")
        }
        guard case .kbs(let bound, _) = evidence.binding else {
            return problems + ["the evidence has no KBS binding"]
        }
        if bound != runtimeData { problems.append("the evidence is not bound to runtime_data") }
        if let binding = evidence.binding, !binding.isBound(by: evidence.reportData) {
            problems.append("the evidence's report data does not match its binding")
        }
        return problems
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func parseRFC3339(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// A malformed attestation bundle.
public struct NodeBundleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    /// Always `malformedBundle`.
    public var code: String { "malformedBundle" }
    init(_ description: String) { self.description = description }
}
