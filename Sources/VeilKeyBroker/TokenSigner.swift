public import Crypto
import Foundation
public import VeilAttestation
import VeilKeys

/// The broker's EAR token signing key (ES256). Relying parties verify tokens offline with ``jwks``, published at
/// `GET /kbs/v0/jwks` and `/.well-known/jwks.json`. Several broker instances must share one key file.
public struct TokenSigner: Sendable {
    /// The private key.
    public let key: P256.Signing.PrivateKey
    /// The key id: the RFC 7638 thumbprint of the public key.
    public let keyID: String

    /// A signer for a key.
    public init(key: P256.Signing.PrivateKey) {
        self.key = key
        keyID = SigningPublicKey.p256(key.publicKey).thumbprint
    }

    /// Reads the p256 key file at `path`, generating it (mode 0600) on first use.
    public static func file(_ path: String) throws(KeyBrokerError) -> TokenSigner {
        do {
            if !FileManager.default.fileExists(atPath: path) {
                _ = try KeyFile.generate(.p256, at: path, overwrite: false)
            }
            guard case .p256(let key) = try KeyFile.readSigningKey(path) else {
                throw KeyBrokerError(.keyEncryptionKey, "the token signing key must be a p256 key")
            }
            return TokenSigner(key: key)
        } catch let error as KeyBrokerError {
            throw error
        } catch {
            throw KeyBrokerError(.keyEncryptionKey, "cannot use the token signing key \(path): \(error)")
        }
    }

    /// The JWKS with this key.
    public var jwks: JWKS { JWKS(keys: [(id: keyID, key: key.publicKey)]) }

    /// Signs a claims set.
    public func sign(_ claims: [String: Any]) throws -> String {
        try JWT.sign(claims: claims, key: key, keyID: keyID)
    }
}
