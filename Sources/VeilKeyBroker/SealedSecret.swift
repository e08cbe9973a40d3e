import Crypto
import Foundation
public import _VeilBytes

/// A resource version at rest: envelope encryption. A fresh 256-bit data key encrypts the secret (AES-256-GCM,
/// the resource path and version as associated data) and is itself encrypted under the KEK (AES-256-GCM, the
/// same associated data with another label). Neither the secret nor the data key is ever stored in the clear.
public struct SealedSecret: Sendable, Hashable {
    /// The KEK that wraps ``wrappedKey`` (see ``KeyEncryptionKey/id``).
    public var kekID: String
    /// `nonce ‖ ciphertext ‖ tag` of the data key under the KEK.
    public var wrappedKey: [UInt8]
    /// `nonce ‖ ciphertext ‖ tag` of the secret under the data key.
    public var ciphertext: [UInt8]

    /// A sealed secret as stored.
    public init(kekID: String, wrappedKey: [UInt8], ciphertext: [UInt8]) {
        self.kekID = kekID
        self.wrappedKey = wrappedKey
        self.ciphertext = ciphertext
    }

    /// The largest secret a resource holds (a model key, a certificate, a small config).
    public static let maximumSecretSize = 64 * 1024

    static func associatedData(_ label: String, _ resource: ResourceID, _ version: Int) -> [UInt8] {
        Array("veil.kbs.\(label).v1\u{0}\(resource.path)\u{0}\(version)".utf8)
    }

    /// Seals `secret` for `resource` at `version` under `kek`.
    public static func seal(
        _ secret: SecureBytes,
        resource: ResourceID,
        version: Int,
        kek: KeyEncryptionKey
    ) throws(KeyBrokerError) -> SealedSecret {
        guard secret.count <= maximumSecretSize else {
            throw KeyBrokerError(.badRequest, "a secret is at most \(maximumSecretSize) bytes")
        }
        let dataKey = SecureBytes(randomCount: 32)
        var plaintext = Array(secret)
        var rawKey = Array(dataKey)
        defer {
            SecureMemory.wipe(&plaintext)
            SecureMemory.wipe(&rawKey)
        }
        do {
            let box = try AES.GCM.seal(
                plaintext,
                using: SymmetricKey(data: dataKey),
                authenticating: associatedData("secret", resource, version)
            )
            let wrapped = try AES.GCM.seal(
                rawKey,
                using: kek.symmetricKey,
                authenticating: associatedData("data-key", resource, version)
            )
            guard let ciphertext = box.combined, let wrappedKey = wrapped.combined else {
                throw KeyBrokerError(.storage, "AES-GCM gave no combined form")
            }
            return SealedSecret(kekID: kek.id, wrappedKey: Array(wrappedKey), ciphertext: Array(ciphertext))
        } catch let error as KeyBrokerError {
            throw error
        } catch {
            throw KeyBrokerError(.storage, "sealing failed: \(error)")
        }
    }

    /// The data key, unwrapped with `kek`.
    func dataKey(resource: ResourceID, version: Int, kek: KeyEncryptionKey) throws(KeyBrokerError) -> SecureBytes {
        guard kekID == kek.id else {
            throw KeyBrokerError(
                .keyEncryptionKey,
                "this version is wrapped under KEK \(kekID), not the configured \(kek.id); run veil kbs rekey"
            )
        }
        do {
            var bytes = Array(
                try AES.GCM.open(
                    AES.GCM.SealedBox(combined: wrappedKey),
                    using: kek.symmetricKey,
                    authenticating: Self.associatedData("data-key", resource, version)
                )
            )
            defer { SecureMemory.wipe(&bytes) }
            return SecureBytes(bytes)
        } catch {
            throw KeyBrokerError(.keyEncryptionKey, "the data key does not unwrap: wrong KEK or altered row")
        }
    }

    /// Opens the secret.
    public func open(resource: ResourceID, version: Int, kek: KeyEncryptionKey) throws(KeyBrokerError) -> SecureBytes {
        let dataKey = try dataKey(resource: resource, version: version, kek: kek)
        do {
            var bytes = Array(
                try AES.GCM.open(
                    AES.GCM.SealedBox(combined: ciphertext),
                    using: SymmetricKey(data: dataKey),
                    authenticating: Self.associatedData("secret", resource, version)
                )
            )
            defer { SecureMemory.wipe(&bytes) }
            return SecureBytes(bytes)
        } catch {
            throw KeyBrokerError(.storage, "the secret does not decrypt: the row was altered")
        }
    }

    /// The same secret with its data key rewrapped from `old` to `new` (KEK rotation); the secret's ciphertext
    /// is unchanged.
    public func rewrapped(
        resource: ResourceID,
        version: Int,
        from old: KeyEncryptionKey,
        to new: KeyEncryptionKey
    ) throws(KeyBrokerError) -> SealedSecret {
        let dataKey = try dataKey(resource: resource, version: version, kek: old)
        var rawKey = Array(dataKey)
        defer { SecureMemory.wipe(&rawKey) }
        do {
            let wrapped = try AES.GCM.seal(
                rawKey,
                using: new.symmetricKey,
                authenticating: Self.associatedData("data-key", resource, version)
            )
            guard let combined = wrapped.combined else { throw KeyBrokerError(.storage, "no combined form") }
            return SealedSecret(kekID: new.id, wrappedKey: Array(combined), ciphertext: ciphertext)
        } catch let error as KeyBrokerError {
            throw error
        } catch {
            throw KeyBrokerError(.storage, "rewrapping failed: \(error)")
        }
    }
}
