/// Builds binary messages field by field: the writing counterpart of ``ByteCursor``.
///
/// Lengths are checked when they are written: a value too long for its length prefix throws instead of
/// being truncated silently.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The number of bytes written.
    public var count: Int { bytes.count }

    /// Appends a fixed-width integer in the given byte order.
    public mutating func write<T: FixedWidthInteger>(_ value: T, _ endianness: Endianness) {
        let size = MemoryLayout<T>.size
        switch endianness {
        case .little:
            for index in 0..<size { bytes.append(UInt8(truncatingIfNeeded: value >> (index * 8))) }
        case .big:
            for index in (0..<size).reversed() { bytes.append(UInt8(truncatingIfNeeded: value >> (index * 8))) }
        }
    }

    /// Appends one byte.
    public mutating func write(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends raw bytes.
    public mutating func write<C: Collection>(contentsOf other: C) where C.Element == UInt8 {
        bytes.append(contentsOf: other)
    }

    /// Appends `count` zero bytes (reserved fields, padding).
    public mutating func writeZeros(_ count: Int) {
        bytes.append(contentsOf: repeatElement(0, count: count))
    }

    /// Appends a QUIC variable-length integer (RFC 9000 §16) in its shortest encoding.
    public mutating func writeVarInt(_ value: UInt64) throws(ByteWriterError) {
        switch value {
        case 0..<(1 << 6):
            write(UInt8(value))
        case 0..<(1 << 14):
            write(UInt16(value) | 0x4000, .big)
        case 0..<(1 << 30):
            write(UInt32(value) | 0x8000_0000, .big)
        case 0..<(1 << 62):
            write(value | 0xC000_0000_0000_0000, .big)
        default:
            throw ByteWriterError(message: "\(value) does not fit a QUIC variable-length integer (maximum 2^62 - 1)")
        }
    }

    /// Appends `value` preceded by its length as `Length`, throwing if the length does not fit.
    public mutating func writeLengthPrefixed<Length: FixedWidthInteger, C: Collection>(
        _ value: C,
        as lengthType: Length.Type,
        _ endianness: Endianness
    ) throws(ByteWriterError) where C.Element == UInt8 {
        guard let length = Length(exactly: value.count) else {
            throw ByteWriterError(message: "\(value.count) bytes do not fit a \(Length.self) length prefix")
        }
        write(length, endianness)
        write(contentsOf: value)
    }

    /// Appends `value` preceded by its length as a QUIC variable-length integer.
    public mutating func writeVarIntPrefixed<C: Collection>(_ value: C) throws(ByteWriterError)
    where C.Element == UInt8 {
        try writeVarInt(UInt64(value.count))
        write(contentsOf: value)
    }
}

/// A value could not be encoded (it is too large for its field).
public struct ByteWriterError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
