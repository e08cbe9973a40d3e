public import Foundation
public import VeilAttestation
public import VeilWire

/// The outcome of ``KBSClient/attest(tee:attester:teeKey:extraRuntimeData:)``: the broker's EAR token, exactly what
/// was attested, and the TEE key resources are wrapped to. Pass it to ``KBSClient/resource(_:session:)``.
public struct KBSSession: Sendable {
    /// The broker's EAR token (ES256 JWT); relying parties verify it with the broker's JWKS.
    public let token: String
    /// Exactly the evidence bundle sent as `tee-evidence`.
    public let evidence: EvidenceBundle
    /// The exact runtime-data bytes the evidence binds (canonical JSON: `nonce`, `tee-pubkey`, extra members).
    public let runtimeData: [UInt8]
    /// The TEE's ephemeral key pair.
    public let teeKey: KBS.TEEKey
    /// When the token expires (its `exp` claim; five minutes from issue if it has none).
    public let expiresAt: Date
    /// The `kbs-session-id` cookie value, when the broker set one.
    package let cookie: String?

    /// Creates a session.
    package init(
        token: String,
        evidence: EvidenceBundle,
        runtimeData: [UInt8],
        teeKey: KBS.TEEKey,
        expiresAt: Date,
        cookie: String?
    ) {
        self.token = token
        self.evidence = evidence
        self.runtimeData = runtimeData
        self.teeKey = teeKey
        self.expiresAt = expiresAt
        self.cookie = cookie
    }

    /// Whether the token has expired at `date`.
    public func isExpired(at date: Date = Date()) -> Bool { date >= expiresAt }
}
