import _VeilBytes

extension OHTTP {
    /// A gateway's key configuration (RFC 9458 §3.1): a key id, a KEM, its public key, and the symmetric
    /// algorithms it accepts.
    public struct KeyConfig: Hashable, Sendable {
        public var keyID: UInt8
        public var kem: KEM
        public var publicKey: [UInt8]
        public var symmetricAlgorithms: [SymmetricAlgorithm]

        public init(keyID: UInt8, kem: KEM, publicKey: [UInt8], symmetricAlgorithms: [SymmetricAlgorithm]) {
            self.keyID = keyID
            self.kem = kem
            self.publicKey = publicKey
            self.symmetricAlgorithms = symmetricAlgorithms
        }

        /// Parses one key configuration; the whole input must be consumed.
        public init(parsing bytes: some Collection<UInt8>) throws(OHTTPError) {
            var cursor = ByteCursor(Array(bytes))
            self = try Self.parse(&cursor)
            guard cursor.isAtEnd else {
                throw OHTTPError(.malformedKeyConfig, "\(cursor.remaining) bytes after the key configuration")
            }
        }

        static func parse(_ cursor: inout ByteCursor<[UInt8]>) throws(OHTTPError) -> KeyConfig {
            do {
                let keyID = try cursor.readUInt8("key id")
                let kemID = try cursor.read(UInt16.self, .big, "KEM id")
                guard let kem = KEM(rawValue: kemID) else {
                    throw OHTTPError(
                        .unsupportedSuite,
                        "KEM 0x\(String(kemID, radix: 16)) (X25519 0x0020 or X-Wing 0x647a expected)"
                    )
                }
                let publicKey = try cursor.readBytes(count: kem.publicKeyLength, "public key")
                let listLength = Int(try cursor.read(UInt16.self, .big, "symmetric algorithms length"))
                guard listLength > 0, listLength % 4 == 0 else {
                    throw OHTTPError(.malformedKeyConfig, "symmetric algorithms length \(listLength) is not 4·n, n ≥ 1")
                }
                var list = try cursor.readCursor(count: listLength, "symmetric algorithms")
                var algorithms: [SymmetricAlgorithm] = []
                while !list.isAtEnd {
                    let kdfID = try list.read(UInt16.self, .big, "KDF id")
                    let aeadID = try list.read(UInt16.self, .big, "AEAD id")
                    // Unknown algorithms are skipped: a gateway may offer suites this client does not know.
                    if let kdf = KDF(rawValue: kdfID), let aead = AEAD(rawValue: aeadID) {
                        algorithms.append(SymmetricAlgorithm(kdf: kdf, aead: aead))
                    }
                }
                return KeyConfig(keyID: keyID, kem: kem, publicKey: publicKey, symmetricAlgorithms: algorithms)
            } catch let error as ByteParsingError {
                throw OHTTPError(.malformedKeyConfig, error.description)
            } catch let error as OHTTPError {
                throw error
            } catch {
                throw OHTTPError(.malformedKeyConfig, "\(error)")
            }
        }

        /// The wire encoding (RFC 9458 §3.1).
        public var encoded: [UInt8] {
            var writer = ByteWriter()
            writer.write(keyID)
            writer.write(kem.rawValue, .big)
            writer.write(contentsOf: publicKey)
            writer.write(UInt16(symmetricAlgorithms.count * 4), .big)
            for algorithm in symmetricAlgorithms {
                writer.write(algorithm.kdf.rawValue, .big)
                writer.write(algorithm.aead.rawValue, .big)
            }
            return writer.bytes
        }

        /// Parses an `application/ohttp-keys` list: each configuration prefixed by its 2-byte length (§3.2).
        /// A list with any encoding error is rejected whole.
        public static func parseList(_ bytes: some Collection<UInt8>) throws(OHTTPError) -> [KeyConfig] {
            var cursor = ByteCursor(Array(bytes))
            var configs: [KeyConfig] = []
            do {
                while !cursor.isAtEnd {
                    let entry = Array(try cursor.readLengthPrefixed(UInt16.self, .big, "key configuration"))
                    configs.append(try KeyConfig(parsing: entry))
                }
            } catch let error as ByteParsingError {
                throw OHTTPError(.malformedKeyConfig, error.description)
            } catch let error as OHTTPError {
                throw error
            } catch {
                throw OHTTPError(.malformedKeyConfig, "\(error)")
            }
            guard !configs.isEmpty else { throw OHTTPError(.malformedKeyConfig, "the key configuration list is empty") }
            return configs
        }

        /// Encodes an `application/ohttp-keys` list.
        public static func encodeList(_ configs: [KeyConfig]) -> [UInt8] {
            var writer = ByteWriter()
            for config in configs {
                let encoded = config.encoded
                writer.write(UInt16(encoded.count), .big)
                writer.write(contentsOf: encoded)
            }
            return writer.bytes
        }

        /// The 7-byte request header for `algorithm`: key id, KEM id, KDF id, AEAD id (§4.1).
        func header(for algorithm: SymmetricAlgorithm) -> [UInt8] {
            var writer = ByteWriter(capacity: 7)
            writer.write(keyID)
            writer.write(kem.rawValue, .big)
            writer.write(algorithm.kdf.rawValue, .big)
            writer.write(algorithm.aead.rawValue, .big)
            return writer.bytes
        }
    }
}
