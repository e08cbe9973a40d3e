/// The kinds of key Veil's owners, operators and services hold in key files.
public enum KeyKind: String, Sendable, CaseIterable, Codable {
    /// A 256-bit AES key (model key-encryption keys, data keys).
    case aes256
    /// An Ed25519 signing key (RFC 8032): owner signatures, log checkpoints, admin tokens.
    case ed25519
    /// An ECDSA P-256 signing key (FIPS 186-4, SHA-256): owner signatures, admin tokens, EAR tokens.
    case p256

    /// Whether the kind is a signing key pair (and `veil keygen` writes a `.pub` file beside it).
    public var isSigning: Bool { self != .aes256 }
}
