package import Crypto
package import Foundation

extension SealedModel {
    /// Chunk `index`'s nonce: the file's 8-byte random prefix followed by the index as a 32-bit big-endian counter.
    static func chunkNonce(prefix: [UInt8], index: UInt64) -> [UInt8] {
        prefix + [
            UInt8(truncatingIfNeeded: index >> 24), UInt8(truncatingIfNeeded: index >> 16),
            UInt8(truncatingIfNeeded: index >> 8), UInt8(truncatingIfNeeded: index),
        ]
    }

    /// Chunk `index`'s associated data: the manifest digest (32 bytes), the index as a 64-bit big-endian integer
    /// and the final-chunk flag (1 for the last chunk, 0 otherwise) — 41 bytes.
    static func chunkAssociatedData(manifestDigest: [UInt8], index: UInt64, isFinal: Bool) -> [UInt8] {
        var bytes = manifestDigest
        bytes.reserveCapacity(41)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: index >> UInt64(shift)))
        }
        bytes.append(isFinal ? 1 : 0)
        return bytes
    }

    /// Encrypts one chunk; the result is the chunk record as stored: nonce ‖ ciphertext ‖ tag.
    package static func sealChunk(
        _ plaintext: Data,
        index: UInt64,
        manifest: Manifest,
        manifestDigest: [UInt8],
        key: SymmetricKey
    ) throws(SealedModelError) -> Data {
        do {
            let box = try AES.GCM.seal(
                plaintext,
                using: key,
                nonce: AES.GCM.Nonce(data: chunkNonce(prefix: manifest.noncePrefix, index: index)),
                authenticating: chunkAssociatedData(
                    manifestDigest: manifestDigest,
                    index: index,
                    isFinal: index == manifest.chunkCount - 1
                )
            )
            guard let combined = box.combined else {
                throw SealedModelError(.invalidArgument, chunk: Int(index), "AES-GCM gave no combined record")
            }
            return combined
        } catch let error as SealedModelError {
            throw error
        } catch {
            throw SealedModelError(.invalidArgument, chunk: Int(index), "AES-GCM seal failed: \(error)")
        }
    }
}
