import Crypto
import Foundation
import _CryptoExtras
import _VeilBytes

extension JWE {
    /// Encrypts `plaintext` to a TEE's public key: `ECDH-ES+A256KW` for an EC key, `RSA-OAEP-256` for an RSA key,
    /// `A256GCM` content under a fresh random content-encryption key. Call ``json()`` for the wire form.
    ///
    /// The plaintext is copied once into an ordinary array for AES-GCM and that copy is wiped before returning.
    public static func seal<Plaintext: Collection>(
        plaintext: Plaintext,
        to recipient: KBS.PublicJWK
    ) throws(KBSProtocolError) -> JWE where Plaintext.Element == UInt8 {
        guard plaintext.count <= maximumSize / 2 else {
            throw KBSProtocolError(.malformedJWE, "the plaintext is too large for a JWE resource")
        }
        let contentKey = SymmetricKey(size: .bits256)
        let header: [String: Any]
        let encryptedKey: [UInt8]
        switch recipient.keyType {
        case .p256:
            let recipientKey = try recipient.p256PublicKey()
            let ephemeral = P256.KeyAgreement.PrivateKey()
            let kek: SymmetricKey
            do {
                let shared = try ephemeral.sharedSecretFromKeyAgreement(with: recipientKey)
                kek = SymmetricKey(
                    data: concatKDF(
                        sharedSecret: shared.secureBytes(),
                        algorithm: KBS.PublicJWK.ecAlgorithm,
                        keyBitCount: 256
                    )
                )
                encryptedKey = Array(try AES.KeyWrap.wrap(contentKey, using: kek))
            } catch {
                throw KBSProtocolError(.invalidKey, "key agreement with the TEE key failed")
            }
            header = [
                "alg": KBS.PublicJWK.ecAlgorithm,
                "enc": contentEncryption,
                "epk": KBS.PublicJWK(p256: ephemeral.publicKey).members.filter { $0.key != "alg" },
            ]
        case .rsa:
            let recipientKey = try recipient.rsaPublicKey()
            var keyBytes = Array(contentKey.secureBytes())
            defer { SecureMemory.wipe(&keyBytes) }
            do {
                encryptedKey = Array(try recipientKey.encrypt(keyBytes, padding: .PKCS1_OAEP_SHA256))
            } catch {
                throw KBSProtocolError(.invalidKey, "RSA-OAEP encryption to the TEE key failed")
            }
            header = ["alg": KBS.PublicJWK.rsaAlgorithm, "enc": contentEncryption]
        }
        let headerJSON =
            (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        let protected = Base64URL.encode(headerJSON)

        var content = Array(plaintext)
        defer { SecureMemory.wipe(&content) }
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try AES.GCM.seal(
                content,
                using: contentKey,
                nonce: AES.GCM.Nonce(),
                authenticating: Array(protected.utf8)
            )
        } catch {
            throw KBSProtocolError(.malformedJWE, "AES-GCM encryption failed")
        }
        return JWE(
            protected: protected,
            encryptedKey: Base64URL.encode(encryptedKey),
            iv: Base64URL.encode(Array(sealed.nonce)),
            ciphertext: Base64URL.encode(sealed.ciphertext),
            tag: Base64URL.encode(sealed.tag)
        )
    }
}
