import Foundation
public import VeilAttesters
public import VeilKeyBroker
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
    private let store = SessionStore()

    public init(client: KBSClient, attester: any Attester, tee: KBS.TEE? = nil) {
        self.client = client
        self.attester = attester
        self.tee = tee ?? KBS.TEE(platform: attester.tee)
    }

    public func attest(keyConfigList: [UInt8]) async throws -> NodeAttestation {
        let session = try await client.attest(
            tee: tee,
            attester: attester,
            teeKey: KBS.TEEKey.generateP256(),
            extraRuntimeData: [NodeRuntimeData.keyConfigsMember: Base64URL.encode(keyConfigList)]
        )
        await store.set(session)
        return NodeAttestation(
            evidence: session.evidence,
            runtimeData: session.runtimeData,
            ear: session.token,
            kbsURL: client.baseURL.absoluteString,
            expiresAt: session.expiresAt
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
