import Crypto
public import Foundation
import _VeilBytes

extension OHTTP {
    /// A gateway's private key with its configuration. Generated inside the node (the TEE) and never exported;
    /// swift-crypto keeps the private key in memory it zeroises.
    public struct GatewayKey: Sendable {
        enum PrivateKey: Sendable {
            case x25519(Curve25519.KeyAgreement.PrivateKey)
            case xWing(XWingMLKEM768X25519.PrivateKey)
        }

        /// The public configuration clients encrypt to.
        public let config: KeyConfig
        let privateKey: PrivateKey

        /// Generates a fresh key pair.
        public static func generate(
            keyID: UInt8,
            kem: KEM,
            algorithms: [SymmetricAlgorithm] = [.aes256GCM, .aes128GCM, .chaCha20Poly1305]
        ) throws(OHTTPError) -> GatewayKey {
            switch kem {
            case .x25519:
                return GatewayKey(keyID: keyID, x25519: Curve25519.KeyAgreement.PrivateKey(), algorithms: algorithms)
            case .xWing:
                do {
                    let key = try XWingMLKEM768X25519.PrivateKey.generate()
                    let config = KeyConfig(
                        keyID: keyID,
                        kem: .xWing,
                        publicKey: Array(key.publicKey.rawRepresentation),
                        symmetricAlgorithms: algorithms
                    )
                    return GatewayKey(config: config, privateKey: .xWing(key))
                } catch {
                    throw OHTTPError(.cryptoFailure, "X-Wing key generation failed: \(error)")
                }
            }
        }

        /// A gateway key from an existing X25519 private key (for example a published test vector).
        public init(
            keyID: UInt8,
            x25519PrivateKey rawRepresentation: some ContiguousBytes,
            algorithms: [SymmetricAlgorithm]
        ) throws(OHTTPError) {
            do {
                let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: rawRepresentation)
                self.init(keyID: keyID, x25519: key, algorithms: algorithms)
            } catch {
                throw OHTTPError(.cryptoFailure, "not an X25519 private key: \(error)")
            }
        }

        private init(keyID: UInt8, x25519 key: Curve25519.KeyAgreement.PrivateKey, algorithms: [SymmetricAlgorithm]) {
            config = KeyConfig(
                keyID: keyID,
                kem: .x25519,
                publicKey: Array(key.publicKey.rawRepresentation),
                symmetricAlgorithms: algorithms
            )
            privateKey = .x25519(key)
        }

        private init(config: KeyConfig, privateKey: PrivateKey) {
            self.config = config
            self.privateKey = privateKey
        }

        /// Sets up the HPKE recipient context for an encapsulated key.
        func recipient(
            algorithm: SymmetricAlgorithm,
            info: [UInt8],
            encapsulatedKey: [UInt8]
        ) throws(OHTTPError) -> HPKE.Recipient {
            let suite = algorithm.ciphersuite(config.kem)
            do {
                switch privateKey {
                case .x25519(let key):
                    return try HPKE.Recipient(
                        privateKey: key,
                        ciphersuite: suite,
                        info: Data(info),
                        encapsulatedKey: Data(encapsulatedKey)
                    )
                case .xWing(let key):
                    return try HPKE.Recipient(
                        privateKey: key,
                        ciphersuite: suite,
                        info: Data(info),
                        encapsulatedKey: Data(encapsulatedKey)
                    )
                }
            } catch {
                throw OHTTPError(.decryptionFailed, "the encapsulated key is not valid for this gateway key")
            }
        }
    }
}
