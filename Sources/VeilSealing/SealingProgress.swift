/// Progress of a long seal, unseal or re-wrap, reported after every chunk.
public struct SealingProgress: Sendable, Hashable {
    /// What is being done.
    public enum Phase: String, Sendable, Hashable {
        /// Sealing, first pass: computing the plaintext's SHA-256 (the signed header needs it before any chunk).
        case digesting
        /// Sealing, second pass: encrypting chunks.
        case encrypting
        /// Unsealing: verifying and decrypting chunks.
        case decrypting
        /// Re-wrapping: copying the encrypted chunks unchanged.
        case copying
    }

    /// The current phase.
    public let phase: Phase
    /// Bytes of this phase done so far.
    public let completedBytes: UInt64
    /// Bytes this phase processes in all.
    public let totalBytes: UInt64

    public init(phase: Phase, completedBytes: UInt64, totalBytes: UInt64) {
        self.phase = phase
        self.completedBytes = completedBytes
        self.totalBytes = totalBytes
    }

    /// Completion in `0...1` (1 for an empty phase).
    public var fraction: Double {
        totalBytes == 0 ? 1 : Double(completedBytes) / Double(totalBytes)
    }
}
