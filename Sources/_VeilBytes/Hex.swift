/// Base 16 (RFC 4648 §8): lowercase on output, either case on input, nothing else accepted.
public enum Hex {
    private static let lowerDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let upperDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Encodes bytes as hex.
    public static func encode<C: Sequence>(_ bytes: C, uppercase: Bool = false) -> String where C.Element == UInt8 {
        let digits = uppercase ? upperDigits : lowerDigits
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex text; rejects odd lengths, whitespace, prefixes such as `0x`, and any non-hex character.
    public static func decode<S: StringProtocol>(_ text: S) throws(ByteEncodingError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else {
            throw ByteEncodingError(code: .invalidLength, offset: utf8.count, encoding: "hex")
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]) else {
                throw ByteEncodingError(code: .invalidCharacter, offset: index, encoding: "hex")
            }
            guard let low = nibble(utf8[index + 1]) else {
                throw ByteEncodingError(code: .invalidCharacter, offset: index + 1, encoding: "hex")
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Array where Element == UInt8 {
    /// Decodes hex text (see ``Hex/decode(_:)``).
    public init<S: StringProtocol>(hex: S) throws(ByteEncodingError) {
        self = try Hex.decode(hex)
    }

    /// The bytes as lowercase hex.
    public var hexString: String { Hex.encode(self) }
}
