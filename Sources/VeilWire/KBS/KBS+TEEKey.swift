public import Crypto
import Foundation
public import _CryptoExtras
import _VeilBytes

extension KBS {
    /// The TEE's ephemeral key pair: resources are wrapped to its public half (``publicJWK``) and unwrapped with
    /// ``JWE/open(_:with:)``. The private key is kept in ``SecureBytes`` (the P-256 scalar; the RSA key's PKCS #1 DER)
    /// and rebuilt for each decryption. Generate a fresh one per attestation.
    public struct TEEKey: Sendable {
        enum Backing: Sendable {
            case p256(SecureBytes)
            case rsa(SecureBytes)
        }

        let backing: Backing
        /// The public JWK the guest sends as `tee-pubkey`.
        public let publicJWK: PublicJWK

        /// A fresh EC P-256 key (`ECDH-ES+A256KW`). The default: fast to generate, short to send.
        public static func generateP256() -> TEEKey {
            let key = P256.KeyAgreement.PrivateKey()
            return TEEKey(p256: key)
        }

        /// A fresh RSA key (`RSA-OAEP-256`), 3072 bits unless told otherwise (2048 or 4096).
        public static func generateRSA(bits: Int = 3072) throws(KBSProtocolError) -> TEEKey {
            guard [2048, 3072, 4096].contains(bits) else {
                throw KBSProtocolError(.invalidKey, "RSA TEE keys are 2048, 3072 or 4096 bits")
            }
            do {
                return try TEEKey(rsa: _RSA.Encryption.PrivateKey(keySize: .init(bitCount: bits)))
            } catch let error as KBSProtocolError {
                throw error
            } catch {
                throw KBSProtocolError(.invalidKey, "RSA key generation failed")
            }
        }

        /// Wraps an existing P-256 key (its scalar is copied into ``SecureBytes``).
        public init(p256 key: P256.KeyAgreement.PrivateKey) {
            var raw = key.rawRepresentation
            backing = .p256(SecureBytes(wiping: &raw))
            publicJWK = PublicJWK(p256: key.publicKey)
        }

        /// Wraps an existing RSA key.
        public init(rsa key: _RSA.Encryption.PrivateKey) throws(KBSProtocolError) {
            publicJWK = try PublicJWK(rsa: key.publicKey)
            var der = key.derRepresentation
            backing = .rsa(SecureBytes(wiping: &der))
        }

        init(backing: Backing, publicJWK: PublicJWK) {
            self.backing = backing
            self.publicJWK = publicJWK
        }

        /// The key type.
        public var keyType: PublicJWK.KeyType { publicJWK.keyType }

        /// The P-256 private key, rebuilt from its secure copy for one operation.
        func p256PrivateKey() throws(KBSProtocolError) -> P256.KeyAgreement.PrivateKey {
            guard case .p256(let scalar) = backing else { throw KBSProtocolError(.invalidKey, "not an EC key") }
            do {
                return try P256.KeyAgreement.PrivateKey(rawRepresentation: scalar)
            } catch {
                throw KBSProtocolError(.invalidKey, "the EC private key is damaged")
            }
        }

        /// The RSA private key.
        func rsaPrivateKey() throws(KBSProtocolError) -> _RSA.Encryption.PrivateKey {
            guard case .rsa(let der) = backing else { throw KBSProtocolError(.invalidKey, "not an RSA key") }
            var bytes = Array(der)
            defer { SecureMemory.wipe(&bytes) }
            do {
                return try _RSA.Encryption.PrivateKey(derRepresentation: bytes)
            } catch {
                throw KBSProtocolError(.invalidKey, "the RSA private key is damaged")
            }
        }
    }
}
