import _VeilBytes

extension OHTTP {
    /// Splits a chunked OHTTP stream into chunks (draft-ietf-ohai-chunked-ohttp §3): each non-final chunk is a
    /// QUIC varint length and that many ciphertext bytes; a zero length marks the final chunk, whose ciphertext
    /// runs to the end of the stream. Buffers only ciphertext, and at most `maximumChunkSize` of it.
    struct ChunkFramer: Sendable {
        private var buffer: [UInt8] = []
        private(set) var sawFinalIndicator = false
        let maximumChunkSize: Int

        init(maximumChunkSize: Int) {
            self.maximumChunkSize = maximumChunkSize
        }

        /// Adds bytes and returns every non-final chunk now complete.
        mutating func append(_ bytes: some Collection<UInt8>) throws(OHTTPError) -> [[UInt8]] {
            buffer.append(contentsOf: bytes)
            if sawFinalIndicator {
                guard buffer.count <= maximumChunkSize else {
                    throw OHTTPError(.tooLarge, "final chunk exceeds \(maximumChunkSize) bytes")
                }
                return []
            }
            var chunks: [[UInt8]] = []
            while !sawFinalIndicator {
                var cursor = ByteCursor(buffer)
                guard let length = try? cursor.readVarInt() else { break }  // the length itself is incomplete
                if length == 0 {
                    sawFinalIndicator = true
                    buffer.removeFirst(cursor.offset)
                    guard buffer.count <= maximumChunkSize else {
                        throw OHTTPError(.tooLarge, "final chunk exceeds \(maximumChunkSize) bytes")
                    }
                    break
                }
                guard length <= UInt64(maximumChunkSize) else {
                    throw OHTTPError(.tooLarge, "chunk of \(length) bytes exceeds \(maximumChunkSize)")
                }
                guard cursor.remaining >= Int(length) else { break }  // wait for the rest of the chunk
                let chunk = Array(buffer[cursor.offset..<(cursor.offset + Int(length))])
                buffer.removeFirst(cursor.offset + Int(length))
                chunks.append(chunk)
            }
            return chunks
        }

        /// At the end of the stream: the final chunk's ciphertext, or a truncation error.
        mutating func finish() throws(OHTTPError) -> [UInt8] {
            guard sawFinalIndicator else {
                throw OHTTPError(.truncated, "the stream ended before its final chunk")
            }
            defer { buffer = [] }
            return buffer
        }

        /// Encodes a chunk for sending.
        static func frame(_ ciphertext: some Collection<UInt8>, final: Bool) -> [UInt8] {
            var writer = ByteWriter(capacity: ciphertext.count + 8)
            if final {
                writer.write(UInt8(0))
            } else {
                // A ciphertext always carries a tag, so its length is never zero and always fits a varint.
                try? writer.writeVarInt(UInt64(ciphertext.count))
            }
            writer.write(contentsOf: ciphertext)
            return writer.bytes
        }
    }
}
