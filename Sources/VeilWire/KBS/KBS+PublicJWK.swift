public import Crypto
import Foundation
public import _CryptoExtras
import _VeilBytes

extension KBS {
    /// The TEE's public key as the `tee-pubkey` JWK: EC P-256 (`kty`, `crv`, `x`, `y`, `alg`
    /// `ECDH-ES+A256KW`) or RSA (`kty`, `n`, `e`, `alg` `RSA-OAEP-256`). Decoding validates it: the point is on
    /// the curve; the RSA modulus is 2048 to 4096 bits with exponent 65537; `alg`, when present, names the JWE key
    /// management Veil uses for that key type (`ECDH-ES` is accepted for EC keys too). Unknown members are dropped.
    public struct PublicJWK: Sendable, Hashable, Codable {
        /// The JWE key management algorithm for EC keys.
        public static let ecAlgorithm = "ECDH-ES+A256KW"
        /// The JWE key management algorithm for RSA keys.
        public static let rsaAlgorithm = "RSA-OAEP-256"
        /// The RSA modulus sizes accepted (Trustee guests use 2048; Veil generates 3072).
        public static let rsaModulusBits = 2048...4096

        /// `EC` or `RSA`.
        public let kty: String
        /// `P-256` for EC keys.
        public let crv: String?
        /// The EC x coordinate (base64url, 32 bytes).
        public let x: String?
        /// The EC y coordinate (base64url, 32 bytes).
        public let y: String?
        /// The RSA modulus (base64url, big-endian, no leading zero).
        public let n: String?
        /// The RSA public exponent (base64url; `AQAB`).
        public let e: String?
        /// The key management algorithm, if stated.
        public let alg: String?

        /// The key type.
        public enum KeyType: Sendable, Hashable {
            /// EC P-256: resources come as `ECDH-ES+A256KW`.
            case p256
            /// RSA: resources come as `RSA-OAEP-256`.
            case rsa
        }

        /// Which key this is.
        public var keyType: KeyType { kty == "EC" ? .p256 : .rsa }

        /// An EC P-256 key.
        public init(p256 key: P256.KeyAgreement.PublicKey) {
            let raw = Array(key.rawRepresentation)
            kty = "EC"
            crv = "P-256"
            x = Base64URL.encode(raw[0..<32])
            y = Base64URL.encode(raw[32..<64])
            n = nil
            e = nil
            alg = Self.ecAlgorithm
        }

        /// An RSA key.
        public init(rsa key: _RSA.Encryption.PublicKey) throws(KBSProtocolError) {
            let primitives: _RSA.Encryption.PublicKey.Primitives
            do {
                primitives = try key.getKeyPrimitives()
            } catch {
                throw KBSProtocolError(.invalidKey, "the RSA key's modulus and exponent cannot be read")
            }
            kty = "RSA"
            crv = nil
            x = nil
            y = nil
            n = Base64URL.encode(Self.stripLeadingZeros(Array(primitives.modulus)))
            e = Base64URL.encode(Self.stripLeadingZeros(Array(primitives.publicExponent)))
            alg = Self.rsaAlgorithm
            try validate()
        }

        /// Parses and validates a JWK given as members.
        public init(members: [String: String]) throws(KBSProtocolError) {
            kty = members["kty"] ?? ""
            crv = members["crv"]
            x = members["x"]
            y = members["y"]
            n = members["n"]
            e = members["e"]
            alg = members["alg"]
            try validate()
        }

        /// The JWK's members as a dictionary (what `runtime-data` carries under `tee-pubkey`).
        public var members: [String: String] {
            var result = ["kty": kty]
            if let crv { result["crv"] = crv }
            if let x { result["x"] = x }
            if let y { result["y"] = y }
            if let n { result["n"] = n }
            if let e { result["e"] = e }
            if let alg { result["alg"] = alg }
            return result
        }

        /// The JWK Thumbprint (RFC 7638): base64url(SHA-256) of the required members in lexicographic order.
        public func thumbprint() -> String {
            let canonical: String
            switch keyType {
            case .p256: canonical = #"{"crv":"\#(crv ?? "")","kty":"EC","x":"\#(x ?? "")","y":"\#(y ?? "")"}"#
            case .rsa: canonical = #"{"e":"\#(e ?? "")","kty":"RSA","n":"\#(n ?? "")"}"#
            }
            return Base64URL.encode(Array(SHA256.hash(data: Array(canonical.utf8))))
        }

        /// The key for ECDH (EC keys only).
        public func p256PublicKey() throws(KBSProtocolError) -> P256.KeyAgreement.PublicKey {
            guard keyType == .p256, let x, let y else { throw KBSProtocolError(.invalidKey, "not an EC P-256 key") }
            let xb = try Self.decodeMember(x, "x", length: 32)
            let yb = try Self.decodeMember(y, "y", length: 32)
            do {
                return try P256.KeyAgreement.PublicKey(rawRepresentation: xb + yb)
            } catch {
                throw KBSProtocolError(.invalidKey, "the EC point is not on P-256")
            }
        }

        /// The key for RSA-OAEP (RSA keys only).
        public func rsaPublicKey() throws(KBSProtocolError) -> _RSA.Encryption.PublicKey {
            guard keyType == .rsa, let n, let e else { throw KBSProtocolError(.invalidKey, "not an RSA key") }
            let modulus = try Self.decodeMember(n, "n", length: nil)
            let exponent = try Self.decodeMember(e, "e", length: nil)
            guard modulus.first != 0, Self.rsaModulusBits.contains(modulus.count * 8) else {
                throw KBSProtocolError(.invalidKey, "the RSA modulus must be 2048 to 4096 bits, minimally encoded")
            }
            guard exponent == [0x01, 0x00, 0x01] else {
                throw KBSProtocolError(.invalidKey, "the RSA public exponent must be 65537")
            }
            do {
                return try _RSA.Encryption.PublicKey(n: modulus, e: exponent)
            } catch {
                throw KBSProtocolError(.invalidKey, "the RSA key is not valid")
            }
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kty, crv, x, y, n, e, alg
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            var members: [String: String] = [:]
            for key in CodingKeys.allCases {
                if let value = try container.decodeIfPresent(String.self, forKey: key) {
                    guard value.utf8.count <= 1024 else {
                        throw DecodingError.dataCorruptedError(
                            forKey: key,
                            in: container,
                            debugDescription: "JWK member too long"
                        )
                    }
                    members[key.rawValue] = value
                }
            }
            do {
                try self.init(members: members)
            } catch {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: error.detail)
                )
            }
        }

        private func validate() throws(KBSProtocolError) {
            switch kty {
            case "EC":
                guard crv == "P-256" else { throw KBSProtocolError(.invalidKey, "EC keys must be on P-256") }
                guard n == nil, e == nil else { throw KBSProtocolError(.invalidKey, "an EC key with RSA members") }
                // `ECDH-ES` is what some guests (and `veil attest evidence --kbs-tee-pubkey`) state for an EC key; the
                // broker answers both with ECDH-ES+A256KW, the KBS protocol's key management for EC keys.
                guard alg == nil || alg == Self.ecAlgorithm || alg == "ECDH-ES" else {
                    throw KBSProtocolError(.invalidKey, "an EC TEE key's alg must be \(Self.ecAlgorithm)")
                }
                _ = try p256PublicKey()
            case "RSA":
                guard crv == nil, x == nil, y == nil else {
                    throw KBSProtocolError(.invalidKey, "an RSA key with EC members")
                }
                guard alg == nil || alg == Self.rsaAlgorithm else {
                    throw KBSProtocolError(.invalidKey, "an RSA TEE key's alg must be \(Self.rsaAlgorithm)")
                }
                _ = try rsaPublicKey()
            default:
                throw KBSProtocolError(.invalidKey, "the TEE key's kty must be EC or RSA")
            }
        }

        static func decodeMember(_ text: String, _ name: String, length: Int?) throws(KBSProtocolError) -> [UInt8] {
            let bytes: [UInt8]
            do {
                bytes = try Base64URL.decode(text)
            } catch {
                throw KBSProtocolError(.invalidKey, "the JWK member \"\(name)\" is not base64url")
            }
            if let length, bytes.count != length {
                throw KBSProtocolError(.invalidKey, "the JWK member \"\(name)\" must be \(length) bytes")
            }
            return bytes
        }

        static func stripLeadingZeros(_ bytes: [UInt8]) -> [UInt8] {
            let trimmed = bytes.drop { $0 == 0 }
            return trimmed.isEmpty ? [0] : Array(trimmed)
        }
    }
}
