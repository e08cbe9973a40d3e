public import Foundation
public import VeilAttestation
public import VeilAttesters
import Crypto
import _VeilBytes

/// What one attestation of the node's key configuration produced: the evidence bound (KBS binding) to the exact
/// runtime-data bytes, which carry `veil-ohttp-keys`, and the broker's EAR token when a broker appraised it.
public struct NodeAttestation: Sendable {
    /// The evidence bundle, binding `.kbs(runtimeData:hash:)` over ``runtimeData``.
    public var evidence: EvidenceBundle
    /// The exact runtime-data JSON bytes bound in the evidence.
    public var runtimeData: [UInt8]
    /// The broker's EAR JWT, or nil for a self-attested (development) node.
    public var ear: String?
    /// The broker's base URL, when there is one.
    public var kbsURL: String?
    /// When the EAR (or the broker session) expires, if it does.
    public var expiresAt: Date?

    public init(evidence: EvidenceBundle, runtimeData: [UInt8], ear: String?, kbsURL: String?, expiresAt: Date?) {
        self.evidence = evidence
        self.runtimeData = runtimeData
        self.ear = ear
        self.kbsURL = kbsURL
        self.expiresAt = expiresAt
    }
}

/// Produces a ``NodeAttestation`` for a key configuration list: at start and again at every key rotation (new
/// runtime data, so new evidence and a new EAR).
public protocol NodeAttestor: Sendable {
    /// Attests `keyConfigList` (the `application/ohttp-keys` bytes).
    func attest(keyConfigList: [UInt8]) async throws -> NodeAttestation
}

/// The runtime-data member that carries the node's key configuration list (base64url).
public enum NodeRuntimeData {
    /// `veil-ohttp-keys`.
    public static let keyConfigsMember = "veil-ohttp-keys"

    /// Canonical runtime-data JSON (compact, keys sorted, as the KBS hashes it): string members plus an optional
    /// `tee-pubkey` JWK object.
    public static func encode(members: [String: String], teePublicKey: [String: String]? = nil) -> [UInt8] {
        var object: [String: Any] = members
        if let teePublicKey { object["tee-pubkey"] = teePublicKey }
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data ?? Data())
    }

    /// The `veil-ohttp-keys` member of runtime-data JSON, if present.
    public static func keyConfigs(in runtimeData: [UInt8]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(runtimeData))) as? [String: Any] else {
            return nil
        }
        return object[keyConfigsMember] as? String
    }
}

/// Development attestation without a key broker: the node binds its key configuration with a nonce it generates
/// itself (so the evidence proves the binding, not freshness), and the bundle's `ear` is null.
public struct LocalNodeAttestor: NodeAttestor {
    /// The evidence producer (SIMULATED TEE, TPM ...).
    public let attester: any Attester
    /// The runtime-data hash (as a KBS would use).
    public let hash: ReportDataBinding.KBSHash

    public init(attester: any Attester, hash: ReportDataBinding.KBSHash = .sha384) {
        self.attester = attester
        self.hash = hash
    }

    public func attest(keyConfigList: [UInt8]) async throws -> NodeAttestation {
        let nonce = Base64URL.encode(SymmetricKey.randomNonSecretBytes(count: 32))
        let runtimeData = NodeRuntimeData.encode(members: [
            "nonce": nonce, NodeRuntimeData.keyConfigsMember: Base64URL.encode(keyConfigList),
        ])
        let evidence = try await attester.evidence(binding: .kbs(runtimeData: runtimeData, hash: hash))
        return NodeAttestation(evidence: evidence, runtimeData: runtimeData, ear: nil, kbsURL: nil, expiresAt: nil)
    }
}
