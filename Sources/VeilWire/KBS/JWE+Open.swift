package import Crypto
import Foundation
import _CryptoExtras
public import _VeilBytes

extension JWE {
    /// The largest protected header accepted.
    public static let maximumHeaderSize = 4096

    /// Parses a flattened JWE and decrypts it with the TEE's private key into ``SecureBytes``.
    public static func open<Bytes: Collection>(
        _ json: Bytes,
        with key: KBS.TEEKey
    ) throws(KBSProtocolError) -> SecureBytes where Bytes.Element == UInt8 {
        try JWE(json: json).open(with: key)
    }

    /// Decrypts with the TEE's private key. The algorithm must be the one for the key's type; any alteration of
    /// the header, encrypted key, IV, ciphertext, tag or AAD, or the wrong key, fails with `decryptionFailed`.
    public func open(with key: KBS.TEEKey) throws(KBSProtocolError) -> SecureBytes {
        let header = try protectedHeader()
        guard let alg = header["alg"] as? String, let enc = header["enc"] as? String else {
            throw KBSProtocolError(.malformedJWE, "the protected header lacks alg or enc")
        }
        guard enc == Self.contentEncryption else {
            throw KBSProtocolError(.unsupportedJWE, "the content encryption must be \(Self.contentEncryption)")
        }
        guard header["zip"] == nil else { throw KBSProtocolError(.unsupportedJWE, "compressed JWEs are refused") }
        guard header["crit"] == nil else {
            throw KBSProtocolError(.unsupportedJWE, "no critical header extensions are understood")
        }
        let wrapped = try Self.decode(encryptedKey, "encrypted_key")
        let nonce = try Self.decode(iv, "iv")
        let body = try Self.decode(ciphertext, "ciphertext")
        let mac = try Self.decode(tag, "tag")
        if let aad { _ = try Self.decode(aad, "aad") }
        guard nonce.count == 12 else { throw KBSProtocolError(.malformedJWE, "the A256GCM IV must be 96 bits") }
        guard mac.count == 16 else { throw KBSProtocolError(.malformedJWE, "the A256GCM tag must be 128 bits") }

        let contentKey: SymmetricKey
        switch key.keyType {
        case .p256:
            guard alg == KBS.PublicJWK.ecAlgorithm else {
                throw KBSProtocolError(.unsupportedJWE, "an EC TEE key takes only \(KBS.PublicJWK.ecAlgorithm)")
            }
            contentKey = try Self.unwrapECDH(header: header, wrapped: wrapped, key: key)
        case .rsa:
            guard alg == KBS.PublicJWK.rsaAlgorithm else {
                throw KBSProtocolError(.unsupportedJWE, "an RSA TEE key takes only \(KBS.PublicJWK.rsaAlgorithm)")
            }
            let privateKey = try key.rsaPrivateKey()
            guard wrapped.count == privateKey.keySizeInBits / 8 else {
                throw KBSProtocolError(.decryptionFailed, "the JWE does not decrypt with this key")
            }
            var decrypted: Data
            do {
                decrypted = try privateKey.decrypt(wrapped, padding: .PKCS1_OAEP_SHA256)
            } catch {
                throw KBSProtocolError(.decryptionFailed, "the JWE does not decrypt with this key")
            }
            let secure = SecureBytes(wiping: &decrypted)
            guard secure.count == 32 else {
                throw KBSProtocolError(.decryptionFailed, "the JWE does not decrypt with this key")
            }
            contentKey = SymmetricKey(data: secure)
        }
        return try Self.openContent(
            key: contentKey,
            additionalData: additionalAuthenticatedData,
            iv: nonce,
            ciphertext: body,
            tag: mac
        )
    }

    /// A256GCM content decryption (RFC 7518 §5.3) with a known content-encryption key: the layer below key
    /// management, exposed for the RFC 7516 Appendix A vectors.
    package static func openContent(
        key: SymmetricKey,
        additionalData: [UInt8],
        iv: [UInt8],
        ciphertext: [UInt8],
        tag: [UInt8]
    ) throws(KBSProtocolError) -> SecureBytes {
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: iv), ciphertext: ciphertext, tag: tag)
            var plaintext = try AES.GCM.open(box, using: key, authenticating: additionalData)
            return SecureBytes(wiping: &plaintext)
        } catch {
            throw KBSProtocolError(.decryptionFailed, "the JWE does not decrypt with this key")
        }
    }

    /// The decoded protected header as a JSON object.
    func protectedHeader() throws(KBSProtocolError) -> [String: Any] {
        guard protected.utf8.count <= Self.maximumHeaderSize * 4 / 3 + 4 else {
            throw KBSProtocolError(.malformedJWE, "the protected header is too large")
        }
        let bytes = try Self.decode(protected, "protected")
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw KBSProtocolError(.malformedJWE, "the protected header is not a JSON object")
        }
        return object
    }

    private static func unwrapECDH(
        header: [String: Any],
        wrapped: [UInt8],
        key: KBS.TEEKey
    ) throws(KBSProtocolError) -> SymmetricKey {
        guard let epkObject = header["epk"] as? [String: Any] else {
            throw KBSProtocolError(.malformedJWE, "ECDH-ES needs an epk header parameter")
        }
        var members: [String: String] = [:]
        for name in ["kty", "crv", "x", "y"] {
            guard let value = epkObject[name] as? String else {
                throw KBSProtocolError(.malformedJWE, "the epk lacks \"\(name)\"")
            }
            members[name] = value
        }
        let ephemeral: P256.KeyAgreement.PublicKey
        do {
            ephemeral = try KBS.PublicJWK(members: members).p256PublicKey()
        } catch {
            throw KBSProtocolError(.malformedJWE, "the epk is not a P-256 point: \(error.detail)")
        }
        let partyU = try optionalInfo(header["apu"], "apu")
        let partyV = try optionalInfo(header["apv"], "apv")
        guard wrapped.count == 40 else {
            throw KBSProtocolError(.decryptionFailed, "the JWE does not decrypt with this key")
        }
        do {
            let shared = try key.p256PrivateKey().sharedSecretFromKeyAgreement(with: ephemeral)
            let kek = SymmetricKey(
                data: concatKDF(
                    sharedSecret: shared.secureBytes(),
                    algorithm: KBS.PublicJWK.ecAlgorithm,
                    keyBitCount: 256,
                    partyUInfo: partyU,
                    partyVInfo: partyV
                )
            )
            return try AES.KeyWrap.unwrap(wrapped, using: kek)
        } catch {
            throw KBSProtocolError(.decryptionFailed, "the JWE does not decrypt with this key")
        }
    }

    private static func optionalInfo(_ value: Any?, _ name: String) throws(KBSProtocolError) -> [UInt8] {
        guard let value else { return [] }
        guard let text = value as? String, text.utf8.count <= 1024 else {
            throw KBSProtocolError(.malformedJWE, "\(name) must be a short base64url string")
        }
        return try decode(text, name)
    }
}
