public import Foundation
public import VeilKeys
import Crypto
import _VeilBytes

extension SealedModel {
    /// What a sealed file holds and how it is laid out. The manifest never changes after sealing: its digest is
    /// bound into every chunk, so it cannot be swapped, and re-wrapping the key leaves it as it is.
    public struct Manifest: Sendable, Hashable {
        /// 16 random bytes naming this sealed file.
        public let fileID: [UInt8]
        /// The chunks' AEAD.
        public let aead: AEAD
        /// Plaintext bytes per chunk (the last chunk may be shorter).
        public let chunkSize: Int
        /// The model's size in bytes.
        public let plaintextSize: UInt64
        /// SHA-256 of the whole plaintext.
        public let plaintextSHA256: [UInt8]
        /// The 8 random bytes every chunk nonce starts with.
        public let noncePrefix: [UInt8]
        /// When the model was sealed, in whole seconds since the Unix epoch (UTC).
        public let createdAt: Int64
        /// Name, source file name and format.
        public let metadata: Metadata
        /// The owner's public key: the header's signature must verify under it.
        public let owner: SigningPublicKey

        /// Creates a manifest; ``SealedModel/seal(_:to:keyEncryptionKey:keyID:signingKey:metadata:chunkSize:overwrite:progress:)``
        /// is the usual way to get one.
        public init(
            fileID: [UInt8],
            aead: AEAD = .aes256GCM,
            chunkSize: Int,
            plaintextSize: UInt64,
            plaintextSHA256: [UInt8],
            noncePrefix: [UInt8],
            createdAt: Int64,
            metadata: Metadata,
            owner: SigningPublicKey
        ) {
            self.fileID = fileID
            self.aead = aead
            self.chunkSize = chunkSize
            self.plaintextSize = plaintextSize
            self.plaintextSHA256 = plaintextSHA256
            self.noncePrefix = noncePrefix
            self.createdAt = createdAt
            self.metadata = metadata
            self.owner = owner
        }

        /// The creation time as a date.
        public var creationDate: Date { Date(timeIntervalSince1970: TimeInterval(createdAt)) }

        /// The number of chunks: at least one (an empty model has one empty final chunk).
        public var chunkCount: UInt64 {
            guard plaintextSize > 0 else { return 1 }
            let size = UInt64(chunkSize)
            return (plaintextSize + size - 1) / size
        }

        /// The plaintext length of chunk `index`.
        public func plaintextLength(ofChunk index: UInt64) -> Int {
            let start = index * UInt64(chunkSize)
            return Int(Swift.min(UInt64(chunkSize), plaintextSize - start))
        }

        /// The sum of the chunk records' lengths.
        public var chunksLength: UInt64 {
            plaintextSize + chunkCount * UInt64(SealedModel.chunkOverhead)
        }

        // MARK: Encoding

        static let fileIDLength = 16
        static let noncePrefixLength = 8
        static let maximumStringLength = 4096

        func encoded() throws(SealedModelError) -> [UInt8] {
            var writer = ByteWriter(capacity: 256)
            writer.write(contentsOf: fileID)
            writer.write(aead.rawValue)
            writer.write(UInt32(chunkSize), .big)
            writer.write(plaintextSize, .big)
            writer.write(contentsOf: plaintextSHA256)
            writer.write(contentsOf: noncePrefix)
            writer.write(createdAt, .big)
            do {
                try writer.writeLengthPrefixed(Array(metadata.format.rawValue.utf8), as: UInt16.self, .big)
                try writer.writeLengthPrefixed(Array(metadata.modelName.utf8), as: UInt16.self, .big)
                try writer.writeLengthPrefixed(Array(metadata.sourceFileName.utf8), as: UInt16.self, .big)
                writer.write(SealedModel.signatureAlgorithm(of: owner))
                try writer.writeLengthPrefixed(owner.rawBytes, as: UInt16.self, .big)
            } catch {
                throw SealedModelError(.invalidArgument, "a manifest field is too long: \(error)")
            }
            return writer.bytes
        }

        static func parse(_ bytes: ArraySlice<UInt8>) throws(ByteParsingError) -> Manifest {
            var cursor = ByteCursor(bytes)
            let fileID = try cursor.readBytes(count: fileIDLength, "file id")
            let aeadOffset = cursor.offset
            let aeadByte = try cursor.readUInt8("AEAD identifier")
            guard let aead = AEAD(rawValue: aeadByte) else {
                throw invalid(aeadOffset, "AEAD identifier 1 (AES-256-GCM), found \(aeadByte)", &cursor)
            }
            let chunkOffset = cursor.offset
            let chunkSize = Int(try cursor.read(UInt32.self, .big, "chunk size"))
            guard chunkSize >= 1, chunkSize <= SealedModel.maximumChunkSize else {
                throw invalid(
                    chunkOffset,
                    "chunk size in 1...\(SealedModel.maximumChunkSize), found \(chunkSize)",
                    &cursor
                )
            }
            let sizeOffset = cursor.offset
            let plaintextSize = try cursor.read(UInt64.self, .big, "plaintext size")
            // Checked before any arithmetic on it: the header is not yet authenticated.
            let chunkCount = plaintextSize == 0 ? 1 : plaintextSize / UInt64(chunkSize) + 1
            guard plaintextSize <= UInt64(Int.max / 2), chunkCount <= SealedModel.maximumChunkCount + 1 else {
                throw invalid(sizeOffset, "a plaintext size below 2^62 in at most 2^32 chunks", &cursor)
            }
            let digest = try cursor.readBytes(count: SHA256.byteCount, "plaintext SHA-256")
            let prefix = try cursor.readBytes(count: noncePrefixLength, "nonce prefix")
            let createdAt = try cursor.read(Int64.self, .big, "creation time")
            let formatOffset = cursor.offset
            let formatName = try readString(&cursor, "model format")
            guard let format = ModelFormat(rawValue: formatName) else {
                throw invalid(formatOffset, "model format gguf, safetensors or other, found \(formatName)", &cursor)
            }
            let name = try readString(&cursor, "model name")
            let source = try readString(&cursor, "source file name")
            let algorithmOffset = cursor.offset
            let algorithm = try cursor.readUInt8("owner key algorithm")
            let keyBytes = Array(try cursor.readLengthPrefixed(UInt16.self, .big, maxLength: 65, "owner public key"))
            guard let owner = SealedModel.publicKey(algorithm: algorithm, rawBytes: keyBytes) else {
                throw invalid(algorithmOffset, "an Ed25519 (1) or P-256 (2) owner public key", &cursor)
            }
            try cursor.expectEnd("the manifest")
            let manifest = Manifest(
                fileID: fileID,
                aead: aead,
                chunkSize: chunkSize,
                plaintextSize: plaintextSize,
                plaintextSHA256: digest,
                noncePrefix: prefix,
                createdAt: createdAt,
                metadata: Metadata(modelName: name, sourceFileName: source, format: format),
                owner: owner
            )
            guard manifest.chunkCount <= SealedModel.maximumChunkCount else {
                throw invalid(sizeOffset, "at most \(SealedModel.maximumChunkCount) chunks", &cursor)
            }
            return manifest
        }

        private static func readString(
            _ cursor: inout ByteCursor<ArraySlice<UInt8>>,
            _ what: String
        ) throws(ByteParsingError) -> String {
            let start = cursor.offset
            let slice = try cursor.readLengthPrefixed(UInt16.self, .big, maxLength: maximumStringLength, what)
            guard let string = String(validating: slice, as: UTF8.self) else {
                throw invalid(start, "valid UTF-8 in \(what)", &cursor)
            }
            return string
        }

        private static func invalid(
            _ offset: Int,
            _ expected: String,
            _ cursor: inout ByteCursor<ArraySlice<UInt8>>
        ) -> ByteParsingError {
            ByteParsingError(code: .invalidValue, offset: offset, expected: expected, remaining: cursor.count - offset)
        }
    }

    // MARK: Owner keys on the wire

    /// The wire identifier of a signing key's algorithm: 1 = Ed25519, 2 = ECDSA P-256 with SHA-256.
    static func signatureAlgorithm(of key: SigningPublicKey) -> UInt8 {
        switch key {
        case .ed25519: return 1
        case .p256: return 2
        }
    }

    static func publicKey(algorithm: UInt8, rawBytes: [UInt8]) -> SigningPublicKey? {
        switch algorithm {
        case 1:
            guard rawBytes.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawBytes) else {
                return nil
            }
            return .ed25519(key)
        case 2:
            guard rawBytes.count == 65, let key = try? P256.Signing.PublicKey(x963Representation: rawBytes) else {
                return nil
            }
            return .p256(key)
        default:
            return nil
        }
    }
}
