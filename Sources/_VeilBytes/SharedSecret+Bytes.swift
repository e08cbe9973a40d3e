public import Crypto

extension SharedSecret {
    /// The raw key-agreement output (`Z`) copied into ``SecureBytes``, for key derivation functions swift-crypto does
    /// not provide (the JOSE Concat KDF of RFC 7518 §4.6). Keep it in `SecureBytes`; it is wiped when released.
    public func secureBytes() -> SecureBytes {
        withUnsafeBytes { SecureBytes($0) }
    }
}

extension SymmetricKey {
    /// The key's bytes copied into ``SecureBytes`` (for a content-encryption key that must be wrapped or returned).
    public func secureBytes() -> SecureBytes {
        withUnsafeBytes { SecureBytes($0) }
    }
}

extension HashFunction {
    /// Feeds secret bytes to the hash without copying them out of ``SecureBytes``.
    public mutating func update(secure bytes: SecureBytes) {
        bytes.withUnsafeBytes { update(bufferPointer: $0) }
    }
}
