public import Foundation
public import VeilAttestation
public import VeilAttesters
import Crypto
import VeilWire
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
    /// The compact JSON of the node's ``InclusionBundle`` (its `release` entry in the transparency log, with
    /// checkpoint and proof) sent as runtime-data `veil-log-inclusion`, when the node has a release; the bundle
    /// staples it as `log_inclusion`.
    public var logInclusion: [UInt8]?

    public init(
        evidence: EvidenceBundle,
        runtimeData: [UInt8],
        ear: String?,
        kbsURL: String?,
        expiresAt: Date?,
        logInclusion: [UInt8]? = nil
    ) {
        self.evidence = evidence
        self.runtimeData = runtimeData
        self.ear = ear
        self.kbsURL = kbsURL
        self.expiresAt = expiresAt
        self.logInclusion = logInclusion
    }
}

/// Produces a ``NodeAttestation`` for a key configuration list: at start and again at every key rotation (new
/// runtime data, so new evidence and a new EAR).
public protocol NodeAttestor: Sendable {
    /// Attests `keyConfigList` (the `application/ohttp-keys` bytes).
    func attest(keyConfigList: [UInt8]) async throws -> NodeAttestation

    /// New evidence, now, over runtime data whose `nonce` member is exactly `nonce` (a client's, from
    /// `?nonce=`) and whose `veil-ohttp-keys` is `keyConfigList`: the client's proof of freshness. No broker is
    /// involved (the bundle keeps the EAR of the last ``attest(keyConfigList:)``).
    func freshEvidence(nonce: String, keyConfigList: [UInt8]) async throws -> NodeAttestation
}

extension NodeAttestor {
    public func freshEvidence(nonce: String, keyConfigList: [UInt8]) async throws -> NodeAttestation {
        throw Problem.nonceUnsupported
    }
}

/// The runtime-data members a node binds in its evidence (docs/protocols/node.md).
public enum NodeRuntimeData {
    /// `veil-ohttp-keys`: the key configuration list (base64url).
    public static let keyConfigsMember = "veil-ohttp-keys"
    /// `veil-log-inclusion`: base64url of the compact JSON of the node's release inclusion bundle.
    public static let logInclusionMember = "veil-log-inclusion"
    /// `veil-tenant`: the tenant (broker repository) the node serves.
    public static let tenantMember = "veil-tenant"

    /// The Veil members: keys, and the log inclusion and tenant when there are.
    public static func members(keyConfigList: [UInt8], logInclusion: [UInt8]?, tenant: String?) -> [String: String] {
        var members = [keyConfigsMember: Base64URL.encode(keyConfigList)]
        if let logInclusion { members[logInclusionMember] = Base64URL.encode(logInclusion) }
        if let tenant { members[tenantMember] = tenant }
        return members
    }

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

/// Attestation without a key broker: the node binds its key configuration with a nonce it generates itself (so
/// that evidence proves the binding, not freshness — clients get freshness from ``freshEvidence(nonce:keyConfigList:)``),
/// and the bundle's `ear` is null.
public struct LocalNodeAttestor: NodeAttestor {
    /// The evidence producer (SIMULATED TEE, TPM ...).
    public let attester: any Attester
    /// The runtime-data hash (as a KBS would use).
    public let hash: ReportDataBinding.KBSHash
    /// Where the node's release inclusion comes from, if it has a logged release.
    public let inclusionSource: ReleaseInclusionSource?
    /// The tenant bound as `veil-tenant`, if any.
    public let tenant: String?

    public init(
        attester: any Attester,
        hash: ReportDataBinding.KBSHash = .sha384,
        inclusionSource: ReleaseInclusionSource? = nil,
        tenant: String? = nil
    ) {
        self.attester = attester
        self.hash = hash
        self.inclusionSource = inclusionSource
        self.tenant = tenant
    }

    public func attest(keyConfigList: [UInt8]) async throws -> NodeAttestation {
        let inclusion = try await inclusionSource?.inclusionJSON(refresh: true)
        return try await evidence(
            nonce: Base64URL.encode(SymmetricKey.randomNonSecretBytes(count: 32)),
            keyConfigList: keyConfigList,
            inclusion: inclusion
        )
    }

    public func freshEvidence(nonce: String, keyConfigList: [UInt8]) async throws -> NodeAttestation {
        try await evidence(
            nonce: nonce,
            keyConfigList: keyConfigList,
            inclusion: try await inclusionSource?.inclusionJSON(refresh: false)
        )
    }

    func evidence(nonce: String, keyConfigList: [UInt8], inclusion: [UInt8]?) async throws -> NodeAttestation {
        var members = NodeRuntimeData.members(keyConfigList: keyConfigList, logInclusion: inclusion, tenant: tenant)
        members["nonce"] = nonce
        let runtimeData = NodeRuntimeData.encode(members: members)
        let evidence = try await attester.evidence(binding: .kbs(runtimeData: runtimeData, hash: hash))
        return NodeAttestation(
            evidence: evidence,
            runtimeData: runtimeData,
            ear: nil,
            kbsURL: nil,
            expiresAt: nil,
            logInclusion: inclusion
        )
    }
}
