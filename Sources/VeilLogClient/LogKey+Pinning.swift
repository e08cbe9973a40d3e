public import Crypto
public import VeilTransparency

extension LogKey {
    /// The key of a log pinned by its Ed25519 public key, named `origin` when the relying party pins the origin
    /// too, else by the origin of the log's checkpoint `checkpointNote` (the key is still pinned, and the key ID
    /// commits to the name).
    public init(
        publicKey: Curve25519.Signing.PublicKey,
        origin: String?,
        checkpointNote: String
    ) throws(TransparencyError) {
        let name: String
        if let origin {
            name = origin
        } else {
            name = try Checkpoint(text: try SignedNote(parsing: checkpointNote).text).origin
        }
        try self.init(origin: name, publicKey: publicKey)
    }
}

extension TransparencyError.Code {
    /// What an operator or auditor should do about a failed log check, in one sentence.
    public var remedy: String {
        switch self {
        case .wrongOrigin: return "Check --origin and --log: the checkpoint is from another log."
        case .untrustedSignature, .badSignature, .ambiguousKey:
            return "Check --log-key is this log's public key; otherwise the log or the network is lying."
        case .rollback, .fork: return "Treat the log as compromised and alert its operator and your auditors."
        case .badProof: return "The log's proof is wrong: do not trust the entry; report it to the log's operator."
        case .stale, .expired: return "Fetch a fresh checkpoint or proof from the log."
        default: return "See docs/log-api.md and docs/formats/log-entries.md."
        }
    }
}
