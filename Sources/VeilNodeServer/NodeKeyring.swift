public import Foundation
public import VeilOHTTP
import VeilTransparency
public import VeilWire
import Crypto
import _VeilBytes

/// The node's OHTTP keys and their attestation: the current generation (an X-Wing and an X25519 configuration),
/// the retired generations still accepted for a short grace, and the bundle that binds the current one.
///
/// Private keys are generated here, inside the node, and never leave it (swift-crypto zeroises them when the last
/// reference goes). Key ids are random and distinct from every id still accepted, so a relay routing by key id
/// rarely sees two nodes claim one.
public actor NodeKeyring {
    /// A retired generation, accepted until `until`.
    struct Retired {
        let keys: [OHTTP.GatewayKey]
        let until: Date
    }

    /// This node process's stable random id (hex).
    public nonisolated let nodeID: String
    private let attestor: any NodeAttestor
    private let rotationInterval: Duration?
    private let grace: Duration
    private let maximumRequestSize: Int
    private let kems: [OHTTP.KEM]
    private var current: [OHTTP.GatewayKey] = []
    private var retired: [Retired] = []
    private var bundle: AttestationBundle?
    private var bundleJSON: [UInt8] = []
    private var cachedGateway: OHTTP.Gateway?
    private var nextRefresh: Date?

    /// - Parameters:
    ///   - attestor: attests each key generation (broker or self-attested).
    ///   - rotationInterval: how often keys rotate (nil: never); sets the bundle's expiry.
    ///   - grace: how long a retired generation stays accepted.
    ///   - kems: the configurations offered per generation (X-Wing first: clients prefer it).
    public init(
        attestor: any NodeAttestor,
        rotationInterval: Duration?,
        grace: Duration = .seconds(300),
        maximumRequestSize: Int = 16 << 20,
        kems: [OHTTP.KEM] = [.xWing, .x25519]
    ) {
        nodeID = Hex.encode(SymmetricKey.randomNonSecretBytes(count: 16))
        self.attestor = attestor
        self.rotationInterval = rotationInterval
        self.grace = grace
        self.maximumRequestSize = maximumRequestSize
        self.kems = kems
    }

    /// Generates the first key generation and attests it. Call once before serving.
    public func start() async throws {
        guard bundle == nil else { return }
        try await rotate()
    }

    /// Generates a new key generation, attests it (new runtime data, new evidence and EAR) and makes it current;
    /// the previous generation is retired and accepted for the grace period. On failure nothing changes.
    public func rotate() async throws {
        let now = Date()
        pruneRetired(now: now)
        var used = Set((current + retired.flatMap(\.keys)).map(\.config.keyID))
        var keys: [OHTTP.GatewayKey] = []
        for kem in kems {
            var id = UInt8.random(in: 0...255)
            while used.contains(id) { id = id &+ 1 }
            used.insert(id)
            keys.append(try OHTTP.GatewayKey.generate(keyID: id, kem: kem))
        }
        let list = OHTTP.KeyConfig.encodeList(keys.map(\.config))
        let attestation = try await attestor.attest(keyConfigList: list)
        let issued = Date()
        var expires = issued.addingTimeInterval(rotationInterval.map { $0.seconds + grace.seconds } ?? 86_400)
        if let limit = attestation.expiresAt { expires = min(expires, limit) }
        if !current.isEmpty { retired.append(Retired(keys: current, until: issued.addingTimeInterval(grace.seconds))) }
        current = keys
        let newBundle = AttestationBundle(
            nodeID: nodeID,
            keyConfigs: list,
            evidence: attestation.evidence,
            runtimeData: attestation.runtimeData,
            ear: attestation.ear,
            kbsURL: attestation.kbsURL,
            logInclusion: try attestation.logInclusion.map { try InclusionBundle.decode(Data($0)) },
            issuedAt: issued,
            expiresAt: expires
        )
        bundle = newBundle
        bundleJSON = newBundle.json()
        cachedGateway = nil
        // Rotate on schedule, and in any case before the broker's EAR expires (at 80% of its lifetime).
        var refresh = rotationInterval.map { issued.addingTimeInterval($0.seconds) }
        if let limit = attestation.expiresAt {
            let early = issued.addingTimeInterval(max(1, limit.timeIntervalSince(issued) * 0.8))
            refresh = min(refresh ?? early, early)
        }
        nextRefresh = refresh
    }

    /// When the next rotation is due: the rotation interval after the last one, or earlier when the broker's EAR
    /// would otherwise expire. Nil when keys never rotate and nothing expires.
    public func nextRotation() -> Date? { nextRefresh }

    /// Drops retired generations whose grace has passed.
    public func pruneRetired(now: Date = Date()) {
        let before = retired.count
        retired.removeAll { $0.until <= now }
        if retired.count != before { cachedGateway = nil }
    }

    /// The gateway for incoming requests: the current keys and the retired ones still in their grace.
    public func gateway() -> OHTTP.Gateway {
        let now = Date()
        if retired.contains(where: { $0.until <= now }) { pruneRetired(now: now) }
        if let cachedGateway { return cachedGateway }
        let gateway = OHTTP.Gateway(keys: current + retired.flatMap(\.keys), maximumRequestSize: maximumRequestSize)
        cachedGateway = gateway
        return gateway
    }

    /// The current bundle, or nil before ``start()``.
    public func currentBundle() -> AttestationBundle? { bundle }

    /// The current bundle's JSON (empty before ``start()``).
    public func currentBundleJSON() -> [UInt8] { bundleJSON }

    /// A bundle for the current keys with new evidence over runtime data whose `nonce` is exactly `nonce` (a
    /// client's freshness challenge); the EAR, expiry and broker URL stay the current bundle's, the log inclusion is
    /// the one the new evidence binds. Nil before ``start()``.
    public func freshBundleJSON(nonce: String) async throws -> [UInt8]? {
        guard let base = bundle else { return nil }
        let attestation = try await attestor.freshEvidence(nonce: nonce, keyConfigList: base.keyConfigs)
        let fresh = AttestationBundle(
            nodeID: nodeID,
            keyConfigs: base.keyConfigs,
            evidence: attestation.evidence,
            runtimeData: attestation.runtimeData,
            ear: base.ear,
            kbsURL: base.kbsURL,
            logInclusion: try attestation.logInclusion.map { try InclusionBundle.decode(Data($0)) },
            issuedAt: Date(),
            expiresAt: base.expiresAt
        )
        return fresh.json()
    }

    /// The current `application/ohttp-keys` list.
    public func keyConfigList() -> [UInt8] { OHTTP.KeyConfig.encodeList(current.map(\.config)) }

    /// The key ids accepted now (current and retired in grace).
    public func acceptedKeyIDs() -> [UInt8] { gateway().keys.map(\.config.keyID) }
}
