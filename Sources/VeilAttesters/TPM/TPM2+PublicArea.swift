import Crypto
import _VeilBytes

extension TPM2 {
    /// A TPMT_PUBLIC (Part 2 §12.2.4) of a signing key: its wire bytes, its algorithm and its public key.
    public struct PublicArea: Hashable, Sendable {
        /// The public key of an attestation key.
        public enum Key: Hashable, Sendable {
            /// ECC P-256: the point's coordinates.
            case eccP256(x: [UInt8], y: [UInt8])
            /// RSA: the modulus and the public exponent.
            case rsa(modulus: [UInt8], exponent: UInt32)
        }

        /// The TPMT_PUBLIC exactly as the TPM marshalled it (what verifiers hash and parse).
        public let wire: [UInt8]
        public let nameAlgorithm: UInt16
        public let attributes: UInt32
        public let key: Key

        /// The object's TPM name: nameAlg ‖ H(TPMT_PUBLIC) (Part 1 §16).
        public var name: [UInt8] {
            var writer = ByteWriter()
            writer.write(nameAlgorithm, .big)
            writer.write(contentsOf: Array(SHA256.hash(data: wire)))
            return writer.bytes
        }

        /// Parses a TPMT_PUBLIC of type ECC (P-256) or RSA; the whole input must be consumed.
        public init(parsing wire: [UInt8]) throws(TPM2Error) {
            self.wire = wire
            var cursor = ByteCursor(wire)
            do {
                let type = try cursor.read(UInt16.self, .big, "type")
                nameAlgorithm = try cursor.read(UInt16.self, .big, "nameAlg")
                attributes = try cursor.read(UInt32.self, .big, "objectAttributes")
                _ = try cursor.readTPM2B("authPolicy")
                try Self.skipSymmetric(&cursor)
                switch type {
                case Algorithm.ecc.rawValue:
                    try Self.skipScheme(&cursor, "ECC scheme")
                    let curve = try cursor.read(UInt16.self, .big, "curveID")
                    try Self.skipScheme(&cursor, "KDF scheme")
                    let x = try cursor.readTPM2B("x")
                    let y = try cursor.readTPM2B("y")
                    guard curve == curveP256, x.count == 32, y.count == 32 else {
                        throw TPM2Error(.unsupported, "ECC key on curve 0x\(String(curve, radix: 16)); P-256 expected")
                    }
                    key = .eccP256(x: x, y: y)
                case Algorithm.rsa.rawValue:
                    try Self.skipScheme(&cursor, "RSA scheme")
                    _ = try cursor.read(UInt16.self, .big, "keyBits")
                    let exponent = try cursor.read(UInt32.self, .big, "exponent")
                    let modulus = try cursor.readTPM2B("modulus")
                    key = .rsa(modulus: modulus, exponent: exponent == 0 ? 65537 : exponent)
                default:
                    throw TPM2Error(.unsupported, "key type 0x\(String(type, radix: 16)); ECC or RSA expected")
                }
                try cursor.expectEnd("TPMT_PUBLIC")
            } catch let error as ByteParsingError {
                throw TPM2Error(.malformedResponse, "TPMT_PUBLIC: \(error)")
            } catch let error as TPM2Error {
                throw error
            } catch {
                throw TPM2Error(.malformedResponse, "TPMT_PUBLIC: \(error)")
            }
        }

        /// TPMT_SYM_DEF_OBJECT: algorithm, then key bits and mode unless the algorithm is TPM_ALG_NULL.
        private static func skipSymmetric(_ cursor: inout ByteCursor<[UInt8]>) throws(ByteParsingError) {
            if try cursor.read(UInt16.self, .big, "symmetric algorithm") != Algorithm.null.rawValue {
                try cursor.skip(4, "symmetric keyBits and mode")
            }
        }

        /// A scheme: its algorithm, then a hash algorithm unless TPM_ALG_NULL (ECDAA also has a count).
        private static func skipScheme(_ cursor: inout ByteCursor<[UInt8]>, _ what: String) throws(ByteParsingError) {
            let scheme = try cursor.read(UInt16.self, .big, what)
            guard scheme != Algorithm.null.rawValue else { return }
            try cursor.skip(scheme == 0x001A ? 4 : 2, "\(what) details")
        }
    }

    /// Templates for the keys Veil's attester creates (Part 2 §12.2.4; attributes as in the TCG EK/AK profiles).
    public enum KeyAlgorithm: String, Sendable, Codable, CaseIterable {
        /// ECDSA P-256 with SHA-256.
        case ecc
        /// RSASSA-PKCS1-v1_5 2048-bit with SHA-256.
        case rsa

        /// A restricted signing key (an attestation key): signs only TPM-generated structures.
        var attestationTemplate: [UInt8] {
            let attributes =
                ObjectAttribute.fixedTPM | ObjectAttribute.fixedParent | ObjectAttribute.sensitiveDataOrigin
                | ObjectAttribute.userWithAuth | ObjectAttribute.noDA | ObjectAttribute.restricted
                | ObjectAttribute.sign
            var writer = ByteWriter()
            switch self {
            case .ecc:
                writer.write(Algorithm.ecc.rawValue, .big)
                writer.write(Algorithm.sha256.rawValue, .big)
                writer.write(attributes, .big)
                writer.writeTPM2B([UInt8]())  // authPolicy
                writer.write(Algorithm.null.rawValue, .big)  // symmetric
                writer.write(Algorithm.ecdsa.rawValue, .big)  // scheme
                writer.write(Algorithm.sha256.rawValue, .big)
                writer.write(curveP256, .big)
                writer.write(Algorithm.null.rawValue, .big)  // kdf
                writer.writeTPM2B([UInt8]())  // unique.x
                writer.writeTPM2B([UInt8]())  // unique.y
            case .rsa:
                writer.write(Algorithm.rsa.rawValue, .big)
                writer.write(Algorithm.sha256.rawValue, .big)
                writer.write(attributes, .big)
                writer.writeTPM2B([UInt8]())
                writer.write(Algorithm.null.rawValue, .big)
                writer.write(Algorithm.rsassa.rawValue, .big)
                writer.write(Algorithm.sha256.rawValue, .big)
                writer.write(UInt16(2048), .big)
                writer.write(UInt32(0), .big)  // default exponent 65537
                writer.writeTPM2B([UInt8]())  // unique
            }
            return writer.bytes
        }
    }
}
