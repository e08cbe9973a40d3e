import Crypto
import Foundation
import VeilKeys
public import _VeilBytes

/// The key-encryption key (KEK) that wraps every resource version's data key. It comes from an `aes256` key file
/// (`veil keygen aes256`) or from the environment variable `VEIL_KBS_KEK` (base64url of 32 bytes), never from
/// storage. Its ``id`` (an HMAC of a fixed label under the key, so it reveals nothing) is stored with each
/// wrapped data key, so that a rotation can tell which rows still use the old KEK.
public struct KeyEncryptionKey: Sendable {
    /// The environment variable a KEK may come from.
    public static let environmentVariable = "VEIL_KBS_KEK"

    /// The key bytes (32).
    let key: SecureBytes
    /// A public identifier of the key: 16 hex digits of HMAC-SHA256(key, "veil.kbs.kek-id.v1").
    public let id: String

    /// A KEK from 32 bytes.
    public init(_ key: SecureBytes) throws(KeyBrokerError) {
        guard key.count == 32 else {
            throw KeyBrokerError(.keyEncryptionKey, "a key-encryption key is 32 bytes, not \(key.count)")
        }
        self.key = key
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("veil.kbs.kek-id.v1".utf8),
            using: SymmetricKey(data: key)
        )
        id = Hex.encode(Array(mac).prefix(8))
    }

    /// Reads an `aes256` key file.
    public static func file(_ path: String) throws(KeyBrokerError) -> KeyEncryptionKey {
        do {
            return try KeyEncryptionKey(try KeyFile.readSymmetricKey(path))
        } catch let error as KeyBrokerError {
            throw error
        } catch {
            throw KeyBrokerError(.keyEncryptionKey, "cannot read the KEK file \(path): \(error)")
        }
    }

    /// Decodes the base64url value of `VEIL_KBS_KEK`.
    public static func environment(_ value: String) throws(KeyBrokerError) -> KeyEncryptionKey {
        guard var bytes = try? Base64URL.decode(value.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw KeyBrokerError(.keyEncryptionKey, "\(environmentVariable) is not base64url")
        }
        defer { SecureMemory.wipe(&bytes) }
        return try KeyEncryptionKey(SecureBytes(bytes))
    }

    /// A fresh random KEK (tests, first start).
    public static func random() -> KeyEncryptionKey {
        // 32 bytes always make a valid KEK.
        try! KeyEncryptionKey(SecureBytes(randomCount: 32))
    }

    var symmetricKey: SymmetricKey { SymmetricKey(data: key) }
}
