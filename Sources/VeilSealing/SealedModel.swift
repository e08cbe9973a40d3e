/// Sealed models: Veil's streaming, signed, encrypted model format (`.veil` files).
///
/// A sealed file is a signed header followed by the model's bytes in AES-256-GCM chunks. The header holds the
/// ``Manifest`` (what the model is, its plaintext size and SHA-256, the chunk layout, the owner's public key), a
/// ``KeyEnvelope`` (the per-file data key wrapped under the released key-encryption key, and that key's
/// identifier) and the owner's signature over both. Every chunk's associated data binds the manifest digest,
/// the chunk index and a final-chunk flag, so truncation, reordering, splicing between files and header swaps
/// are detected. The byte-level format is specified in `docs/formats/sealed-model.md`.
///
/// - ``seal(_:to:keyEncryptionKey:keyID:signingKey:metadata:chunkSize:overwrite:progress:)`` streams a model
///   file into a sealed file with bounded memory.
/// - ``unseal(contentsOf:keyEncryptionKey:expectedOwners:options:progress:)`` streams a sealed file into one
///   locked ``SecureBytes`` region, verifying every chunk before accepting it and the whole-file digest at the
///   end, and returns an ``UnsealedModel`` the inference engine parses in place.
/// - ``inspect(contentsOf:)`` reads and checks the header without any key.
/// - ``rewrap(_:to:currentKey:newKey:newKeyID:signingKey:overwrite:)`` rotates the key-encryption key without
///   touching the encrypted weights.
public enum SealedModel {
    /// The eight bytes every sealed file starts with: ASCII `VEILSEAL`.
    public static let magic: [UInt8] = Array("VEILSEAL".utf8)

    /// The format version this implementation writes and reads.
    public static let currentVersion: UInt16 = 1

    /// The chunk size `veil seal` uses unless told otherwise: 4 MiB.
    public static let defaultChunkSize = 4 * 1024 * 1024

    /// The largest chunk size a sealed file may declare: 64 MiB (bounds a reader's working memory).
    public static let maximumChunkSize = 64 * 1024 * 1024

    /// The largest header (everything after the 14-byte preamble): 1 MiB.
    public static let maximumHeaderLength = 1024 * 1024

    /// The most chunks a file may have: the nonce counter is 32 bits.
    public static let maximumChunkCount = UInt64(UInt32.max) + 1

    /// Bytes before the header body: magic (8), version (2), header length (4).
    static let preambleLength = 14

    /// Bytes a chunk record adds to its plaintext: the 12-byte nonce and the 16-byte tag.
    public static let chunkOverhead = 12 + 16

    /// What kind of model file was sealed (informational: the engine checks the bytes themselves).
    public enum ModelFormat: String, Sendable, Hashable, CaseIterable, Codable {
        case gguf
        case safetensors
        case other

        /// Guesses the format from the first bytes of a model file: GGUF starts with `GGUF`; safetensors with an
        /// 8-byte little-endian header length followed by `{`.
        public static func detect(prefix: [UInt8]) -> ModelFormat {
            if prefix.count >= 4, Array(prefix[0..<4]) == Array("GGUF".utf8) { return .gguf }
            if prefix.count >= 9, prefix[8] == UInt8(ascii: "{") {
                var length: UInt64 = 0
                for index in (0..<8).reversed() { length = (length << 8) | UInt64(prefix[index]) }
                if length > 1 && length < 100_000_000 { return .safetensors }
            }
            return .other
        }
    }

    /// The authenticated encryption of the chunks (the only one defined in version 1).
    public enum AEAD: UInt8, Sendable, Hashable {
        /// AES-256-GCM with 12-byte nonces and 16-byte tags.
        case aes256GCM = 1

        /// The name a manifest shows.
        public var name: String { "AES-256-GCM" }
    }

    /// How the data key is wrapped in the ``KeyEnvelope`` (the only one defined in version 1).
    public enum KeyWrap: UInt8, Sendable, Hashable {
        /// AES-256-GCM under the key-encryption key, random 12-byte nonce, as JWE `A256GCMKW`.
        case aes256GCM = 1

        /// The name a manifest shows.
        public var name: String { "A256GCMKW" }
    }

    /// Descriptive fields of a model, chosen by its owner.
    public struct Metadata: Sendable, Hashable {
        /// A human-readable name, e.g. `llama-3.2-1b-instruct-q4`.
        public var modelName: String
        /// The name of the file that was sealed (no directory).
        public var sourceFileName: String
        /// The model file's format.
        public var format: ModelFormat

        public init(modelName: String, sourceFileName: String, format: ModelFormat) {
            self.modelName = modelName
            self.sourceFileName = sourceFileName
            self.format = format
        }
    }
}
