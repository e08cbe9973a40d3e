/// Why a sealed model could not be sealed, inspected, unsealed or re-wrapped: which check failed, on which
/// chunk, and what was found.
///
/// Compare errors by ``code`` (and ``chunk``); show people ``description``. When unsealing fails the plaintext
/// region has already been zeroised and nothing was returned.
public struct SealedModelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The check that failed.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        /// The input does not start with the `VEILSEAL` magic.
        case notASealedModel
        /// The file declares a format version this implementation does not read.
        case unsupportedVersion
        /// The header is cut short, mis-sized or holds an invalid field.
        case malformedHeader
        /// The header is signed by a key that is not among the expected owner keys.
        case unexpectedSigner
        /// The owner's signature does not verify over the header: the header was edited.
        case signatureInvalid
        /// The key-encryption key does not unwrap the data key: wrong key (or a tampered key envelope).
        case keyUnwrapFailed
        /// The input ends inside a chunk, or before the last chunk the manifest declares.
        case truncated
        /// A chunk is missing: the record at this position belongs to a later chunk and the file is short.
        case chunkMissing
        /// Chunks are out of order: the record at this position carries another chunk's counter.
        case chunkOutOfOrder
        /// The record at this position was encrypted for another sealed file (its nonce prefix differs).
        case chunkFromAnotherFile
        /// The chunk's AES-GCM tag does not verify: its ciphertext, nonce or position was altered.
        case chunkAuthenticationFailed
        /// Bytes follow the final chunk.
        case trailingData
        /// Every chunk verified but the plaintext's SHA-256 differs from the signed manifest.
        case digestMismatch
        /// The plaintext region could not be locked into RAM and unlocked memory was not allowed.
        case memoryNotLocked
        /// A size exceeds a limit (plaintext larger than allowed, too many chunks, chunk size out of range).
        case limitExceeded
        /// The caller passed an unusable argument (no expected owner, an empty key id, …).
        case invalidArgument
        /// A file could not be opened or read.
        case unreadable
        /// A file could not be created or written.
        case unwritable
        /// The source file changed while it was being sealed.
        case sourceChanged
    }

    /// The failed check.
    public let code: Code
    /// The chunk (0-based) the check failed on, when it concerns one chunk.
    public let chunk: Int?
    /// What was found, in words.
    public let detail: String

    public init(_ code: Code, chunk: Int? = nil, _ detail: String) {
        self.code = code
        self.chunk = chunk
        self.detail = detail
    }

    /// The check, in words, e.g. `chunk authentication (AES-256-GCM tag)`.
    public var check: String {
        switch code {
        case .notASealedModel: return "magic"
        case .unsupportedVersion: return "format version"
        case .malformedHeader: return "header structure"
        case .unexpectedSigner: return "owner key"
        case .signatureInvalid: return "header signature"
        case .keyUnwrapFailed: return "data key unwrap"
        case .truncated: return "length"
        case .chunkMissing: return "chunk sequence (missing chunk)"
        case .chunkOutOfOrder: return "chunk sequence (order)"
        case .chunkFromAnotherFile: return "chunk origin (nonce prefix)"
        case .chunkAuthenticationFailed: return "chunk authentication (AES-256-GCM tag)"
        case .trailingData: return "end of file"
        case .digestMismatch: return "plaintext SHA-256"
        case .memoryNotLocked: return "memory lock"
        case .limitExceeded: return "limits"
        case .invalidArgument: return "arguments"
        case .unreadable: return "read"
        case .unwritable: return "write"
        case .sourceChanged: return "source stability"
        }
    }

    public var description: String {
        if let chunk { return "chunk \(chunk): \(check) check failed: \(detail)" }
        return "\(check) check failed: \(detail)"
    }
}

extension SealedModelError {
    /// What a person should do about this failure, in one sentence (the CLI prints it under the error).
    public var remedy: String {
        switch code {
        case .notASealedModel, .unsupportedVersion:
            return "Give a .veil file written by `veil seal` (this Veil reads format version 1)."
        case .malformedHeader, .truncated, .chunkMissing, .chunkOutOfOrder, .chunkFromAnotherFile,
            .chunkAuthenticationFailed, .trailingData, .digestMismatch, .signatureInvalid:
            return
                "The file is damaged or was tampered with: nothing was unsealed. Obtain an intact copy from its owner."
        case .unexpectedSigner:
            return "Pass the owner's public key with --owner-key (repeatable), or obtain the file from its owner."
        case .keyUnwrapFailed:
            return "Give the aes256 key the file was sealed with (see its key id with `veil inspect`)."
        case .memoryNotLocked:
            return "Raise the memory-lock limit (ulimit -l) or pass --allow-unlocked-memory (development only)."
        case .limitExceeded:
            return "Check the chunk size (1 byte to 64 MiB) and that the model fits in memory."
        case .invalidArgument:
            return "Check the command's arguments (`veil help`)."
        case .unreadable:
            return "Check that the file exists and is readable."
        case .unwritable:
            return "Check that the output directory exists and is writable; pass --force to replace an existing file."
        case .sourceChanged:
            return "Make sure nothing writes to the model while it is sealed, then seal it again."
        }
    }
}
