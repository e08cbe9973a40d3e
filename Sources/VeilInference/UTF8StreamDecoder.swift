/// Turns the bytes of successive token pieces into text, holding back an incomplete UTF-8 sequence at the end
/// until the token that completes it arrives (a byte-level BPE token can end in the middle of a character).
public struct UTF8StreamDecoder: Sendable {
    private var pending: [UInt8] = []

    /// An empty decoder.
    public init() {}

    /// Appends `bytes` and returns the text that is now complete.
    public mutating func append(_ bytes: [UInt8]) -> String {
        pending += bytes
        let complete = Self.completePrefixLength(pending)
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Returns whatever is left, invalid bytes replaced by U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of `bytes` without a trailing, still incomplete (but so far valid) multi-byte sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var index = bytes.count - 1
        var continuation = 0
        while index >= 0, bytes[index] & 0xC0 == 0x80, continuation < 3 {
            continuation += 1
            index -= 1
        }
        guard index >= 0 else { return bytes.count }
        let lead = bytes[index]
        let expected: Int
        switch lead {
        case 0xC0...0xDF: expected = 2
        case 0xE0...0xEF: expected = 3
        case 0xF0...0xF7: expected = 4
        default: return bytes.count
        }
        return continuation + 1 < expected ? index : bytes.count
    }
}
