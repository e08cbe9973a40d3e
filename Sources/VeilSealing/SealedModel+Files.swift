import Foundation
public import _VeilBytes

extension SealedModel.ModelFormat {
    /// Guesses the format of the model file at `path` from its first 16 bytes (see ``detect(prefix:)``);
    /// ``other`` when the file cannot be read.
    public static func detect(path: String) -> SealedModel.ModelFormat {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .other }
        defer { try? handle.close() }
        let prefix = (try? handle.read(upToCount: 16)) ?? Data()
        return detect(prefix: Array(prefix))
    }
}

extension SealedModel.Metadata {
    /// The metadata of the model file at `path`: `name` or the file name without its extension, the file's
    /// name, and `format` or the format detected from the file's first bytes.
    public init(modelAt path: String, name: String? = nil, format: SealedModel.ModelFormat? = nil) {
        let url = URL(fileURLWithPath: path)
        self.init(
            modelName: name ?? url.deletingPathExtension().lastPathComponent,
            sourceFileName: url.lastPathComponent,
            format: format ?? SealedModel.ModelFormat.detect(path: path)
        )
    }
}

extension UnsealedModel {
    /// Writes the plaintext to `path` (mode 0600) through a temporary file renamed when complete (nothing is
    /// left at `path` on failure); an existing file is replaced only when `overwrite`.
    public func writePlaintext(to path: String, overwrite: Bool) throws(FileStreamError) {
        let writer = try AtomicFileWriter(path: path, mode: 0o600, overwrite: overwrite)
        try writer.write(plaintext, range: 0..<plaintext.count)
        try writer.commit()
    }
}

extension SealedModel {
    /// The report of `veil inspect` about a sealed file: its manifest, key envelope and the checks that need no
    /// key. Encoded as JSON with these property names as keys.
    public struct InspectionReport: Encodable, Sendable {
        /// The sealed file's path.
        public let file: String
        /// The format version of the header.
        public let formatVersion: Int
        /// The model's name.
        public let modelName: String
        /// The file name the model was sealed from.
        public let sourceFileName: String
        /// gguf, safetensors or other.
        public let modelFormat: String
        /// The plaintext's size in bytes.
        public let plaintextSize: UInt64
        /// The plaintext's SHA-256, hex.
        public let plaintextSha256: String
        /// Plaintext bytes per chunk.
        public let chunkSize: Int
        /// The number of chunks.
        public let chunkCount: UInt64
        /// The chunks' AEAD.
        public let aead: String
        /// When the file was sealed, ISO 8601.
        public let createdAt: String
        /// The key-encryption key's identifier.
        public let keyId: String
        /// How the data key is wrapped.
        public let keyWrap: String
        /// The owner key's type.
        public let ownerKeyType: String
        /// The owner key's thumbprint.
        public let ownerKeyThumbprint: String
        /// Whether the owner's signature verifies.
        public let signatureValid: Bool
        /// The file's length, when it is a regular file.
        public let fileLength: UInt64?
        /// The length the manifest implies.
        public let expectedLength: UInt64
        /// Whether the signer is among the expected owners (`nil` when none were given).
        public let ownerTrusted: Bool?

        /// The report of `inspection` of `file`; `ownerTrusted` is whether the signer is an expected owner.
        public init(file: String, inspection: Inspection, ownerTrusted: Bool?) {
            let header = inspection.header
            let manifest = header.manifest
            self.file = file
            formatVersion = Int(header.version)
            modelName = manifest.metadata.modelName
            sourceFileName = manifest.metadata.sourceFileName
            modelFormat = manifest.metadata.format.rawValue
            plaintextSize = manifest.plaintextSize
            plaintextSha256 = Hex.encode(manifest.plaintextSHA256)
            chunkSize = manifest.chunkSize
            chunkCount = manifest.chunkCount
            aead = manifest.aead.name
            createdAt = ISO8601DateFormatter().string(from: manifest.creationDate)
            keyId = header.keyEnvelope.keyID
            keyWrap = header.keyEnvelope.wrap.name
            ownerKeyType = manifest.owner.kind.rawValue
            ownerKeyThumbprint = manifest.owner.thumbprint
            signatureValid = inspection.isSignatureValid
            fileLength = inspection.fileLength
            expectedLength = inspection.expectedLength
            self.ownerTrusted = ownerTrusted
        }

        /// The report as the lines `veil inspect` prints.
        public var text: String {
            var lines = ["sealed model \(file) (format version \(formatVersion))"]
            lines.append("  model:        \(modelName) (\(modelFormat)), sealed from \(sourceFileName)")
            lines.append("  plaintext:    \(plaintextSize) bytes")
            lines.append("  SHA-256:      \(plaintextSha256)")
            lines.append("  chunks:       \(chunkCount) of up to \(chunkSize) bytes, \(aead)")
            lines.append("  created:      \(createdAt)")
            lines.append("  key id:       \(keyId) (data key wrapped with \(keyWrap))")
            lines.append("  owner:        \(ownerKeyType) \(ownerKeyThumbprint)")
            lines.append("  signature:    \(signatureValid ? "valid" : "INVALID — the header was modified")")
            let length =
                fileLength.map {
                    $0 == expectedLength ? "\($0) bytes, as expected" : "\($0) bytes, EXPECTED \(expectedLength)"
                }
                ?? "unknown (not a regular file)"
            lines.append("  file length:  \(length)")
            if let ownerTrusted {
                lines.append(
                    "  owner check:  \(ownerTrusted ? "signer is an expected owner" : "signer is NOT an expected owner")"
                )
            }
            return lines.joined(separator: "\n")
        }
    }
}
