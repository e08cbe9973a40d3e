/// Base 64 (RFC 4648 §4) and base64url (RFC 4648 §5) with strict, canonical decoding.
///
/// Decoding rejects characters outside the chosen alphabet (including whitespace and line breaks), padding
/// where it is forbidden or missing where it is required, and non-zero unused bits — so every byte string
/// has exactly one accepted spelling, which matters for signatures over encoded text (JWS).
public enum Base64 {
    /// The 64-character alphabet.
    public enum Alphabet: Sendable {
        /// `A–Z a–z 0–9 + /` (RFC 4648 §4).
        case standard
        /// `A–Z a–z 0–9 - _` (RFC 4648 §5), the "URL and filename safe" alphabet used by JOSE.
        case url

        fileprivate var characters: [UInt8] {
            switch self {
            case .standard: return Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
            case .url: return Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
            }
        }

        fileprivate var name: String {
            switch self {
            case .standard: return "base64"
            case .url: return "base64url"
            }
        }

        fileprivate func value(of character: UInt8) -> UInt8? {
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return character - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): return character - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+") where self == .standard: return 62
            case UInt8(ascii: "/") where self == .standard: return 63
            case UInt8(ascii: "-") where self == .url: return 62
            case UInt8(ascii: "_") where self == .url: return 63
            default: return nil
            }
        }
    }

    /// Whether `=` padding is written, and whether it is required when reading.
    public enum Padding: Sendable {
        /// Written; required when decoding.
        case required
        /// Not written; rejected when decoding (JOSE's base64url).
        case forbidden
        /// Written; accepted or not when decoding.
        case optional
    }

    /// Encodes bytes.
    public static func encode<C: Collection>(
        _ bytes: C,
        alphabet: Alphabet = .standard,
        padding: Padding = .required
    ) -> String where C.Element == UInt8 {
        let table = alphabet.characters
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            for shift in [18, 12, 6, 0] { out.append(table[Int((chunk >> UInt32(shift)) & 0x3F)]) }
            index += 3
        }
        let rest = input.count - index
        if rest > 0 {
            var chunk = UInt32(input[index]) << 16
            if rest == 2 { chunk |= UInt32(input[index + 1]) << 8 }
            out.append(table[Int((chunk >> 18) & 0x3F)])
            out.append(table[Int((chunk >> 12) & 0x3F)])
            if rest == 2 { out.append(table[Int((chunk >> 6) & 0x3F)]) }
            if padding != .forbidden {
                out.append(contentsOf: repeatElement(UInt8(ascii: "="), count: 3 - rest))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes text strictly (see the type's documentation).
    public static func decode<S: StringProtocol>(
        _ text: S,
        alphabet: Alphabet = .standard,
        padding: Padding = .required
    ) throws(ByteEncodingError) -> [UInt8] {
        let name = alphabet.name
        var characters = Array(text.utf8)
        // Report a foreign character (whitespace, the other alphabet) as such, before judging the length.
        let paddingStart = characters.lastIndex { $0 != UInt8(ascii: "=") }.map { $0 + 1 } ?? 0
        if let bad = characters[..<paddingStart].firstIndex(where: { alphabet.value(of: $0) == nil }) {
            throw ByteEncodingError(code: .invalidCharacter, offset: bad, encoding: name)
        }
        // Strip and validate padding.
        var padCount = 0
        while let last = characters.last, last == UInt8(ascii: "=") {
            characters.removeLast()
            padCount += 1
        }
        if padCount > 0 {
            guard padding != .forbidden else {
                throw ByteEncodingError(code: .invalidPadding, offset: characters.count, encoding: name)
            }
            guard padCount <= 2, (characters.count + padCount) % 4 == 0 else {
                throw ByteEncodingError(code: .invalidPadding, offset: characters.count, encoding: name)
            }
        }
        let remainder = characters.count % 4
        if remainder == 1 {
            throw ByteEncodingError(code: .invalidLength, offset: characters.count + padCount, encoding: name)
        }
        if padding == .required, remainder != 0, padCount == 0 {
            throw ByteEncodingError(code: .invalidPadding, offset: characters.count, encoding: name)
        }
        if padCount > 0, remainder == 0 {
            throw ByteEncodingError(code: .invalidPadding, offset: characters.count, encoding: name)
        }

        var out: [UInt8] = []
        out.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in characters {
            guard let value = alphabet.value(of: character) else { continue }  // unreachable: checked above
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        if accumulator != 0 {
            throw ByteEncodingError(code: .nonCanonical, offset: max(0, characters.count - 1), encoding: name)
        }
        return out
    }
}

/// base64url without padding (RFC 4648 §5, RFC 7515 §2): the encoding of JOSE and of Veil's JSON formats.
public enum Base64URL {
    /// Encodes bytes without padding.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        Base64.encode(bytes, alphabet: .url, padding: .forbidden)
    }

    /// Decodes unpadded base64url; padding, `+`, `/` and whitespace are rejected.
    public static func decode<S: StringProtocol>(_ text: S) throws(ByteEncodingError) -> [UInt8] {
        try Base64.decode(text, alphabet: .url, padding: .forbidden)
    }
}
