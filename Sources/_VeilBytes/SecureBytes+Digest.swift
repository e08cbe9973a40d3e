public import Crypto
public import Foundation

extension SecureBytes {
    /// Fills this buffer front to back through `body` while a second thread computes the SHA-256 of every range
    /// as soon as it is written, so hashing overlaps with producing the next range (decrypting the next chunk).
    ///
    /// `body` gets a ``SecureRegionFiller`` that accepts ranges in order, starting at 0. The call returns once the
    /// digest covers everything written; if `body` throws, it first waits for the hashing thread to let go of the
    /// buffer, then rethrows (the caller decides whether to zeroise). Nothing is copied: the hash reads the
    /// region in place.
    /// - Returns: the SHA-256 of the bytes written (the whole buffer when `body` filled all of it).
    public mutating func fillComputingSHA256<E: Error>(
        _ body: (inout SecureRegionFiller) throws(E) -> Void
    ) throws(E) -> SHA256.Digest {
        try withUnsafeMutableBytes { (buffer) throws(E) -> SHA256.Digest in
            var filler = SecureRegionFiller(buffer: buffer)
            defer { filler.pipeline.drain() }
            try body(&filler)
            return filler.pipeline.finish()
        }
    }
}

/// Writes consecutive ranges of a ``SecureBytes`` buffer during
/// ``SecureBytes/fillComputingSHA256(_:)``, handing each range to the hashing thread once written.
public struct SecureRegionFiller {
    private let buffer: UnsafeMutableRawBufferPointer
    fileprivate let pipeline: DigestPipeline

    /// How many bytes, from the start, have been written.
    public private(set) var filled = 0

    fileprivate init(buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
        pipeline = DigestPipeline(buffer: UnsafeRawBufferPointer(buffer))
    }

    /// Copies `source` to the next range of the buffer, wipes `source` (and empties it), and queues the range for
    /// hashing.
    /// - Precondition: the range fits in the buffer.
    public mutating func moveIn(wiping source: inout Data) {
        let length = source.count
        precondition(length <= buffer.count - filled, "SecureRegionFiller.moveIn: past the end of the buffer")
        if length > 0, let destination = buffer.baseAddress {
            let offset = filled
            source.withUnsafeBytes { bytes in
                if let from = bytes.baseAddress { (destination + offset).copyMemory(from: from, byteCount: length) }
            }
        }
        SecureMemory.wipe(&source)
        pipeline.hash(filled..<(filled + length))
        filled += length
    }
}

/// A serial queue that hashes ranges of a buffer the caller keeps alive and does not write to once handed over.
private final class DigestPipeline: @unchecked Sendable {
    // Touched only on `queue` (hash, finish) or after the queue is drained.
    private var hasher = SHA256()
    private let buffer: UnsafeRawBufferPointer
    private let queue = DispatchQueue(label: "veil.secure-bytes.sha256")

    init(buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
    }

    func hash(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        queue.async { self.hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: self.buffer[range])) }
    }

    /// Waits for every queued range and returns the digest.
    func finish() -> SHA256.Digest {
        queue.sync { hasher.finalize() }
    }

    /// Waits until no queued work refers to the buffer.
    func drain() {
        queue.sync {}
    }
}
