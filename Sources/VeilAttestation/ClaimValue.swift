/// The value of one verified claim.
public enum ClaimValue: Sendable, Hashable, CustomStringConvertible {
    case bytes([UInt8])
    case integer(UInt64)
    case string(String)
    case bool(Bool)

    /// The value as bytes, when it is bytes.
    public var bytes: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    /// The value as an integer, when it is one.
    public var integer: UInt64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The value as a string, when it is one.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Hex for bytes, decimal for integers.
    public var description: String {
        switch self {
        case .bytes(let value):
            return value.map { byte in
                let digits = Array("0123456789abcdef")
                return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
            }.joined()
        case .integer(let value): return String(value)
        case .string(let value): return value
        case .bool(let value): return String(value)
        }
    }
}
