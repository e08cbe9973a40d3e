package import Foundation
import _VeilBytes

/// Where sealed bytes are read from: a file, or bytes already in memory.
package protocol SealedByteSource {
    /// The total length when known (a regular file, a buffer); `nil` for a stream.
    var length: UInt64? { get }
    /// Reads up to `count` bytes into `buffer`, resizing it to what was read; fewer only at the end.
    mutating func read(into buffer: inout Data, count: Int) throws(SealedModelError) -> Int
}

extension SealedByteSource {
    /// Reads and parses the header: the preamble, then the length it declares.
    mutating func readHeader() throws(SealedModelError) -> SealedModel.Header {
        var buffer = Data()
        let got = try read(into: &buffer, count: SealedModel.preambleLength)
        let preamble = Array(buffer.prefix(got))
        let headerLength = try SealedModel.Header.parsePreamble(preamble)
        let bodyLength = try read(into: &buffer, count: headerLength)
        guard bodyLength == headerLength else {
            throw SealedModelError(
                .malformedHeader,
                "the input ends inside the header (\(headerLength) bytes declared, \(bodyLength) present)"
            )
        }
        return try SealedModel.Header.parse(preamble + Array(buffer))
    }
}

/// A sealed file on disk.
struct SealedFileSource: SealedByteSource {
    let reader: FileStreamReader
    let length: UInt64?

    init(path: String) throws(SealedModelError) {
        do {
            reader = try FileStreamReader(path: path)
        } catch {
            throw SealedModelError(.unreadable, error.description)
        }
        length = reader.regularFileStatus()?.size
    }

    mutating func read(into buffer: inout Data, count: Int) throws(SealedModelError) -> Int {
        try SealedModel.read(reader, into: &buffer, count: count)
    }
}

/// Sealed bytes in memory (tests, or a file fetched into a buffer).
package struct SealedMemorySource: SealedByteSource {
    package let bytes: [UInt8]
    package var offset = 0

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    package var length: UInt64? { UInt64(bytes.count) }

    package mutating func read(into buffer: inout Data, count: Int) throws(SealedModelError) -> Int {
        let end = min(bytes.count, offset + count)
        buffer = Data(bytes[offset..<end])
        let got = end - offset
        offset = end
        return got
    }
}
