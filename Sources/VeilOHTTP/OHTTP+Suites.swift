import Crypto
import Foundation

extension OHTTP {
    /// Key-encapsulation mechanisms (RFC 9180 §7.1 identifiers).
    public enum KEM: UInt16, Hashable, Sendable, CaseIterable {
        /// DHKEM(X25519, HKDF-SHA256) — the suite every OHTTP client supports.
        case x25519 = 0x0020
        /// X-Wing (ML-KEM-768 + X25519, draft-connolly-cfrg-xwing-kem): hybrid post-quantum, so recorded traffic
        /// stays confidential against a future quantum computer. Veil's clients prefer it.
        case xWing = 0x647A

        var hpke: HPKE.KEM {
            switch self {
            case .x25519: return .Curve25519_HKDF_SHA256
            case .xWing: return .XWingMLKEM768X25519
            }
        }

        /// Npk: the public key's length.
        public var publicKeyLength: Int { self == .xWing ? 1216 : 32 }
        /// Nenc: the encapsulated key's length.
        public var encapsulatedKeyLength: Int { self == .xWing ? 1120 : 32 }
    }

    /// Key-derivation functions (RFC 9180 §7.2). Only HKDF-SHA256 is offered.
    public enum KDF: UInt16, Hashable, Sendable, CaseIterable {
        case hkdfSHA256 = 0x0001

        var hpke: HPKE.KDF { .HKDF_SHA256 }
    }

    /// AEADs (RFC 9180 §7.3).
    public enum AEAD: UInt16, Hashable, Sendable, CaseIterable {
        case aes128GCM = 0x0001
        case aes256GCM = 0x0002
        case chaCha20Poly1305 = 0x0003

        var hpke: HPKE.AEAD {
            switch self {
            case .aes128GCM: return .AES_GCM_128
            case .aes256GCM: return .AES_GCM_256
            case .chaCha20Poly1305: return .chaChaPoly
            }
        }

        /// Nk.
        public var keyLength: Int { self == .aes128GCM ? 16 : 32 }
        /// Nn.
        public var nonceLength: Int { 12 }
        /// Nt.
        public var tagLength: Int { 16 }

        func seal(_ plaintext: some DataProtocol, key: SymmetricKey, nonce: [UInt8], aad: [UInt8]) throws -> Data {
            switch self {
            case .aes128GCM, .aes256GCM:
                let box = try AES.GCM.seal(
                    plaintext,
                    using: key,
                    nonce: AES.GCM.Nonce(data: nonce),
                    authenticating: aad
                )
                return box.ciphertext + box.tag
            case .chaCha20Poly1305:
                let box = try ChaChaPoly.seal(
                    plaintext,
                    using: key,
                    nonce: ChaChaPoly.Nonce(data: nonce),
                    authenticating: aad
                )
                return box.ciphertext + box.tag
            }
        }

        func open(_ ciphertext: [UInt8], key: SymmetricKey, nonce: [UInt8], aad: [UInt8]) throws -> Data {
            guard ciphertext.count >= tagLength else { throw OHTTPError(.decryptionFailed, "shorter than a tag") }
            let body = ciphertext[..<(ciphertext.count - tagLength)]
            let tag = ciphertext[(ciphertext.count - tagLength)...]
            switch self {
            case .aes128GCM, .aes256GCM:
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: body, tag: tag)
                return try AES.GCM.open(box, using: key, authenticating: aad)
            case .chaCha20Poly1305:
                let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonce), ciphertext: body, tag: tag)
                return try ChaChaPoly.open(box, using: key, authenticating: aad)
            }
        }
    }

    /// A (KDF, AEAD) pair a gateway accepts (RFC 9458 §3.1, `Symmetric Algorithms`).
    public struct SymmetricAlgorithm: Hashable, Sendable {
        public var kdf: KDF
        public var aead: AEAD

        public init(kdf: KDF, aead: AEAD) {
            self.kdf = kdf
            self.aead = aead
        }

        /// HKDF-SHA256 with AES-128-GCM: the suite of RFC 9458's example and the most widely deployed.
        public static let aes128GCM = SymmetricAlgorithm(kdf: .hkdfSHA256, aead: .aes128GCM)
        /// HKDF-SHA256 with AES-256-GCM: Veil's default.
        public static let aes256GCM = SymmetricAlgorithm(kdf: .hkdfSHA256, aead: .aes256GCM)
        /// HKDF-SHA256 with ChaCha20-Poly1305.
        public static let chaCha20Poly1305 = SymmetricAlgorithm(kdf: .hkdfSHA256, aead: .chaCha20Poly1305)

        func ciphersuite(_ kem: KEM) -> HPKE.Ciphersuite {
            HPKE.Ciphersuite(kem: kem.hpke, kdf: kdf.hpke, aead: aead.hpke)
        }
    }
}
