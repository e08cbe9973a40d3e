/// A GGUF metadata value (GGUF v3, `gguf_metadata_value_type`).
public enum GGUFValue: Sendable, Hashable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The value as an integer, when it is one of the integer types and fits.
    public var int: Int? {
        switch self {
        case .uint8(let value): return Int(value)
        case .int8(let value): return Int(value)
        case .uint16(let value): return Int(value)
        case .int16(let value): return Int(value)
        case .uint32(let value): return Int(value)
        case .int32(let value): return Int(value)
        case .uint64(let value): return Int(exactly: value)
        case .int64(let value): return Int(exactly: value)
        default: return nil
        }
    }

    /// The value as a floating-point number, when it is numeric.
    public var double: Double? {
        switch self {
        case .float32(let value): return Double(value)
        case .float64(let value): return value
        default: return int.map(Double.init)
        }
    }

    /// The value as a Boolean.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value as a string.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value as an array.
    public var array: [GGUFValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}
