import Crypto
public import Foundation
public import VeilAttestation
public import VeilTransparency
public import _VeilBytes

/// What the broker needs besides storage and keys.
public struct KeyBrokerSettings: Sendable {
    /// How long a challenge (session before attestation) stays valid.
    public var challengeLifetime: TimeInterval
    /// How long an EAR token (and an attested session) stays valid.
    public var tokenLifetime: TimeInterval
    /// How long a rotated-out version stays readable unless the rotation says otherwise.
    public var rotationGrace: TimeInterval
    /// The attestation policy applied when evidence is verified (relaxations such as missing collateral);
    /// the simulated TEE is let through verification and left to the release policies.
    public var attestationPolicy: PolicyDocument
    /// The evidence bundle verifier with the platform verifiers this broker accepts.
    public var verifier: EvidenceBundle.Verifier
    /// Collateral besides what bundles staple.
    public var collateral: any CollateralProvider
    /// Keys allowed to sign admin tokens (none: the admin API answers 401).
    public var adminKeys: [AdminKey]
    /// The `ear.verifier-id` build string.
    public var verifierBuild: String
    /// The transparency logs this broker trusts (pinned log keys, maximum checkpoint age, witnesses): a node's
    /// runtime-data `veil-log-inclusion` is verified against them and becomes `veil.log-release` in its EAR.
    /// `nil`: no log is trusted, so a stapled inclusion yields `veil.log-release-error` and a policy with
    /// `require_logged_release` releases nothing.
    public var transparency: TransparencyVerifier?
    /// The broker's audience, the first element of every EAR's `aud` (default `veil-kbs`).
    public var audience: String
    /// Where the broker appends its own entries (`policy` versions, `key-release`s, `audit-head` anchors); `nil`:
    /// none. When set, a release whose `key-release` entry cannot be appended is refused (see docs/kbs.md).
    public var transparencyLog: (any TransparencyLogAppending)?
    /// How often the audit chain's head is anchored in ``transparencyLog`` (seconds; `nil`: only on demand).
    public var anchorInterval: TimeInterval?

    /// Settings with defaults: 5-minute challenges and tokens, 24-hour rotation grace, strict attestation.
    public init(
        verifier: EvidenceBundle.Verifier,
        adminKeys: [AdminKey] = [],
        challengeLifetime: TimeInterval = 300,
        tokenLifetime: TimeInterval = 300,
        rotationGrace: TimeInterval = 86_400,
        attestationPolicy: PolicyDocument = .baseline,
        collateral: any CollateralProvider = BundleCollateralProvider(),
        verifierBuild: String = "veil-kbs",
        transparency: TransparencyVerifier? = nil,
        audience: String = "veil-kbs",
        transparencyLog: (any TransparencyLogAppending)? = nil,
        anchorInterval: TimeInterval? = nil
    ) {
        self.verifier = verifier
        self.adminKeys = adminKeys
        self.challengeLifetime = challengeLifetime
        self.tokenLifetime = tokenLifetime
        self.rotationGrace = rotationGrace
        self.attestationPolicy = attestationPolicy
        self.collateral = collateral
        self.verifierBuild = verifierBuild
        self.transparency = transparency
        self.audience = audience
        self.transparencyLog = transparencyLog
        self.anchorInterval = anchorInterval
    }
}

/// The key broker: the KBS session state machine (auth → challenge → attest → token → resource), releases under
/// policies, and the admin operations, each recorded in the audit trail. No HTTP here; the server maps calls and
/// ``KeyBrokerError`` codes to routes and problem types.
public final class KeyBrokerService: Sendable {
    /// The store.
    public let storage: any KeyBrokerStorage
    /// The key-encryption key.
    public let kek: KeyEncryptionKey
    /// The token signer.
    public let signer: TokenSigner
    /// The settings.
    public let settings: KeyBrokerSettings
    /// The clock (injectable for tests of expiry).
    let clock: @Sendable () -> Date
    /// The admin log: which rule denied, never a secret.
    let log: SafeLogger

    /// A broker over a migrated store.
    public init(
        storage: any KeyBrokerStorage,
        kek: KeyEncryptionKey,
        signer: TokenSigner,
        settings: KeyBrokerSettings,
        log: SafeLogger = SafeLogger(label: "veil.kbs"),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.storage = storage
        self.kek = kek
        self.signer = signer
        self.settings = settings
        self.log = log
        self.clock = clock
    }

    /// The current time by the broker's clock.
    public var now: Date { clock() }

    /// A challenge: the session id (the `kbs-session-id` cookie) and the nonce the evidence must bind.
    public struct Challenge: Sendable {
        /// The session id: a bearer credential for the cookie.
        public let sessionID: String
        /// The nonce (base64 of 32 random bytes).
        public let nonce: String
        /// When the challenge expires.
        public let expiresAt: Date
    }

    /// `POST /kbs/v0/auth`: opens a session with a fresh single-use nonce.
    public func auth(tee: String, version: String) async throws -> Challenge {
        guard !tee.isEmpty, tee.utf8.count <= 64 else { throw KeyBrokerError(.badRequest, "tee is 1-64 characters") }
        guard version.hasPrefix("0."), version.utf8.count <= 32 else {
            throw KeyBrokerError(.badRequest, "protocol version \(version) is not supported (0.x)")
        }
        let sessionID = Base64URL.encode(SymmetricKey.randomNonSecretBytes(count: 32))
        let nonce = Base64.encode(SymmetricKey.randomNonSecretBytes(count: 32))
        let now = clock()
        let expiresAt = now.addingTimeInterval(settings.challengeLifetime)
        let idHash = Self.idHash(sessionID)
        try await storage.createSession(
            StoredSession(
                idHash: idHash,
                nonce: nonce,
                tee: tee,
                state: .challenged,
                expiresAt: expiresAt,
                claimsJSON: nil
            ),
            audit: AuditEvent(
                kind: .auth,
                actor: Self.sessionActor(idHash),
                subject: "session",
                action: "auth",
                time: now
            )
        )
        if Int.random(in: 0..<64) == 0 {
            _ = try? await storage.purgeSessions(expiredBefore: now.addingTimeInterval(-3600))
        }
        return Challenge(sessionID: sessionID, nonce: nonce, expiresAt: expiresAt)
    }

    static func idHash(_ sessionID: String) -> [UInt8] { Array(SHA256.hash(data: Array(sessionID.utf8))) }

    static func sessionActor(_ idHash: [UInt8]) -> String { "session:" + Hex.encode(idHash.prefix(8)) }

    static func canonicalJSON(_ object: Any) -> [UInt8]? {
        guard JSONSerialization.isValidJSONObject(object),
            let data = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
        else { return nil }
        return Array(data)
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.encode(Array(SHA256.hash(data: bytes))) }
}
