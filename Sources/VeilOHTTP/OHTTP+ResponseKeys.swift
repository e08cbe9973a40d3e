import Crypto
import Foundation
import _VeilBytes

extension OHTTP {
    /// The response key schedule shared by RFC 9458 §4.4 and chunked OHTTP §6.2:
    ///
    /// ```
    /// secret     = context.Export(label, max(Nn, Nk))
    /// salt       = enc ‖ response_nonce
    /// prk        = Extract(salt, secret)
    /// aead_key   = Expand(prk, "key", Nk)
    /// aead_nonce = Expand(prk, "nonce", Nn)
    /// ```
    struct ResponseKeys: Sendable {
        let aead: AEAD
        let key: SymmetricKey
        let nonce: [UInt8]

        /// The length of `response_nonce`: max(Nn, Nk).
        static func nonceLength(_ aead: AEAD) -> Int {
            max(aead.nonceLength, aead.keyLength)
        }

        init(secret: SymmetricKey, encapsulatedKey: [UInt8], responseNonce: [UInt8], algorithm: SymmetricAlgorithm) {
            aead = algorithm.aead
            let salt = encapsulatedKey + responseNonce
            // Only HKDF-SHA256 is accepted by `Suites.kdf`, so the KDF here is always SHA-256.
            let prk = HKDF<SHA256>.extract(inputKeyMaterial: secret, salt: salt)
            key = HKDF<SHA256>.expand(
                pseudoRandomKey: prk,
                info: Array("key".utf8),
                outputByteCount: algorithm.aead.keyLength
            )
            nonce = HKDF<SHA256>.expand(
                pseudoRandomKey: prk,
                info: Array("nonce".utf8),
                outputByteCount: algorithm.aead.nonceLength
            ).nonSecretBytes()
        }

        /// The nonce of chunk `counter`: `aead_nonce XOR counter` (counter big-endian in Nn bytes). The
        /// non-chunked response is chunk 0.
        func nonce(for counter: UInt64) -> [UInt8] {
            var result = nonce
            var value = counter
            var index = result.count - 1
            while value > 0, index >= 0 {
                result[index] ^= UInt8(truncatingIfNeeded: value)
                value >>= 8
                index -= 1
            }
            return result
        }

        func seal(_ plaintext: some DataProtocol, counter: UInt64, final: Bool) throws(OHTTPError) -> Data {
            do {
                return try aead.seal(
                    plaintext,
                    key: key,
                    nonce: nonce(for: counter),
                    aad: final ? OHTTP.finalChunkAAD : []
                )
            } catch {
                throw OHTTPError(.cryptoFailure, "sealing the response failed: \(error)")
            }
        }

        func open(_ ciphertext: [UInt8], counter: UInt64, final: Bool) throws(OHTTPError) -> SecureBytes {
            do {
                var plaintext = try aead.open(
                    ciphertext,
                    key: key,
                    nonce: nonce(for: counter),
                    aad: final ? OHTTP.finalChunkAAD : []
                )
                return SecureBytes(wiping: &plaintext)
            } catch {
                throw OHTTPError(.decryptionFailed, "the response does not authenticate (altered or truncated)")
            }
        }
    }
}
