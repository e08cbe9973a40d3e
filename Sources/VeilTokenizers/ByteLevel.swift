/// GPT-2's reversible mapping between bytes and printable Unicode scalars, which byte-level BPE vocabularies are
/// written in (a space is `Ġ`, U+0120; a newline is `Ċ`, U+010A).
enum ByteLevel {
    /// The scalar that stands for each byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var printable: [Int] = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var scalars = [Int](repeating: 0, count: 256)
        for byte in printable { scalars[byte] = byte }
        var next = 0
        for byte in 0..<256 where !printable.contains(byte) {
            scalars[byte] = 256 + next
            next += 1
        }
        printable.removeAll()
        return scalars.map { Unicode.Scalar(UInt32($0))! }
    }()

    /// The byte each scalar stands for.
    static let byteForScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (byte, scalar) in scalarForByte.enumerated() { map[scalar.value] = UInt8(byte) }
        return map
    }()

    /// Encodes bytes as the vocabulary's scalars, one scalar per byte.
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> [Unicode.Scalar] where Bytes.Element == UInt8 {
        bytes.map { scalarForByte[Int($0)] }
    }

    /// Decodes a vocabulary string back to bytes; scalars outside the mapping are kept as their UTF-8.
    static func decode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if let byte = byteForScalar[scalar.value] {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        return bytes
    }
}
