import Foundation
public import VeilAttesters
public import VeilWire
public import VeilKeyBrokerClient
public import _VeilBytes

/// Attestation through a key broker (the Confidential Containers KBS protocol): each key generation is attested
/// with a fresh TEE key and the broker's challenge nonce, the runtime data carrying `veil-ohttp-keys`; the broker
/// appraises the evidence and returns its EAR, which goes into the bundle. The latest session is kept so that the
/// node can fetch resources (the model key) with it.
public struct KBSNodeAttestor: NodeAttestor {
    /// Holds the most recent broker session.
    actor SessionStore {
        var latest: KBSSession?
        func set(_ session: KBSSession) { latest = session }
    }

    /// The broker client.
    public let client: KBSClient
    /// The TEE name announced to the broker.
    public let tee: KBS.TEE
    /// The evidence producer.
    public let attester: any Attester
    /// Where the node's release inclusion comes from (sent as `veil-log-inclusion`), if it has a logged release.
    public let inclusionSource: ReleaseInclusionSource?
    /// The tenant (broker repository) the node serves, sent as `veil-tenant`.
    public let tenant: String?
    private let store = SessionStore()

    public init(
        client: KBSClient,
        attester: any Attester,
        tee: KBS.TEE? = nil,
        inclusionSource: ReleaseInclusionSource? = nil,
        tenant: String? = nil
    ) {
        self.client = client
        self.attester = attester
        self.tee = tee ?? KBS.TEE(platform: attester.tee)
        self.inclusionSource = inclusionSource
        self.tenant = tenant
    }

    public func attest(keyConfigList: [UInt8]) async throws -> NodeAttestation {
        let inclusion = try await inclusionSource?.inclusionJSON(refresh: true)
        let session = try await client.attest(
            tee: tee,
            attester: attester,
            teeKey: KBS.TEEKey.generateP256(),
            extraRuntimeData: NodeRuntimeData.members(
                keyConfigList: keyConfigList,
                logInclusion: inclusion,
                tenant: tenant
            )
        )
        await store.set(session)
        return NodeAttestation(
            evidence: session.evidence,
            runtimeData: session.runtimeData,
            ear: session.token,
            kbsURL: client.baseURL.absoluteString,
            expiresAt: session.expiresAt,
            logInclusion: inclusion
        )
    }

    /// Evidence over a client's nonce, straight from the TEE (the broker is not asked; the bundle keeps the EAR of
    /// the last broker attestation), with the same Veil runtime-data members.
    public func freshEvidence(nonce: String, keyConfigList: [UInt8]) async throws -> NodeAttestation {
        let inclusion = try await inclusionSource?.inclusionJSON(refresh: false)
        var members = NodeRuntimeData.members(keyConfigList: keyConfigList, logInclusion: inclusion, tenant: tenant)
        members["nonce"] = nonce
        let runtimeData = NodeRuntimeData.encode(members: members)
        let evidence = try await attester.evidence(binding: .kbs(runtimeData: runtimeData, hash: client.hash))
        return NodeAttestation(
            evidence: evidence,
            runtimeData: runtimeData,
            ear: nil,
            kbsURL: client.baseURL.absoluteString,
            expiresAt: nil,
            logInclusion: inclusion
        )
    }

    /// The most recent broker session (nil before the first attestation).
    public func latestSession() async -> KBSSession? { await store.latest }

    /// Fetches a resource with the most recent session (the released secret, unwrapped, in ``SecureBytes``).
    public func resource(_ path: KBS.ResourcePath) async throws -> SecureBytes {
        guard let session = await store.latest else {
            throw KBSClientError(.protocolFailure, "attest before fetching a resource")
        }
        return try await client.resource(path, session: session)
    }
}
