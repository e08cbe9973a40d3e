public import Crypto

extension SymmetricKey {
    /// The key's bytes as an ordinary array. Only for derived values that are not secret once derived — an AEAD
    /// nonce from HKDF, a random response nonce; keep real keys inside `SymmetricKey` or ``SecureBytes``.
    public func nonSecretBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// `count` random bytes from swift-crypto's generator, for public values such as nonces.
    public static func randomNonSecretBytes(count: Int) -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).nonSecretBytes()
    }
}
