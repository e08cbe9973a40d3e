/// The byte order of a multi-byte integer on the wire.
public enum Endianness: Sendable {
    case little
    case big
}

/// A bounds-checked reader over untrusted bytes.
///
/// Every read either returns a value that lies entirely inside the input or throws a ``ByteParsingError``
/// carrying the offset and what was expected; nothing traps on hostile input and no pointer is cast.
/// The cursor is a value: copy it to look ahead, and a failed read leaves it where it was.
///
/// ```swift
/// var cursor = ByteCursor(reportBytes)
/// let version = try cursor.read(UInt32.self, .little, "report version")
/// let measurement = try cursor.readBytes(count: 48, "measurement")
/// ```
///
/// `Bytes` is any random-access collection of bytes indexed by `Int` — `[UInt8]`, `ArraySlice<UInt8>`,
/// `Data` or ``SecureBytes`` — so a parser can walk a locked plaintext region without copying it.
public struct ByteCursor<Bytes: RandomAccessCollection> where Bytes.Element == UInt8, Bytes.Index == Int {
    /// The whole input.
    public let bytes: Bytes

    /// The offset of the next byte to read, counted from the start of the input (not from `bytes.startIndex`).
    public private(set) var offset: Int

    /// Creates a cursor at the start of `bytes`.
    public init(_ bytes: Bytes) {
        self.bytes = bytes
        self.offset = 0
    }

    /// The number of bytes in the input.
    public var count: Int { bytes.count }

    /// The number of bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { remaining == 0 }

    // MARK: Position

    /// Moves to an absolute offset in `0...count`.
    public mutating func seek(
        to newOffset: Int,
        _ what: @autoclosure () -> String = "seek target"
    ) throws(ByteParsingError) {
        guard newOffset >= 0, newOffset <= count else {
            throw ByteParsingError(
                code: .invalidOffset,
                offset: newOffset,
                expected: "\(what()) within 0...\(count)",
                remaining: max(0, count - max(newOffset, 0))
            )
        }
        offset = newOffset
    }

    /// Skips `count` bytes.
    public mutating func skip(
        _ count: Int,
        _ what: @autoclosure () -> String = "bytes to skip"
    ) throws(ByteParsingError) {
        _ = try checkedRange(count, what)
        offset += count
    }

    /// Skips to the next multiple of `alignment` (a power of two or any positive value), as GGUF and TPM formats need.
    public mutating func align(
        to alignment: Int,
        _ what: @autoclosure () -> String = "alignment padding"
    ) throws(ByteParsingError) {
        guard alignment > 0 else {
            throw ByteParsingError(
                code: .invalidValue,
                offset: offset,
                expected: "a positive alignment",
                remaining: remaining
            )
        }
        let padding = (alignment - offset % alignment) % alignment
        try skip(padding, what())
    }

    /// Throws unless every byte has been consumed.
    public func expectEnd(_ what: @autoclosure () -> String = "the structure") throws(ByteParsingError) {
        guard isAtEnd else {
            throw ByteParsingError(code: .trailingBytes, offset: offset, expected: what(), remaining: remaining)
        }
    }

    // MARK: Integers

    /// Reads a fixed-width integer in the given byte order.
    public mutating func read<T: FixedWidthInteger>(
        _ type: T.Type,
        _ endianness: Endianness,
        _ what: @autoclosure () -> String = ""
    ) throws(ByteParsingError) -> T {
        let size = MemoryLayout<T>.size
        let range = try checkedRange(size) { Self.describe(T.self, size: size, what()) }
        var value: T = 0
        switch endianness {
        case .little:
            for index in range.reversed() { value = (value << 8) | T(truncatingIfNeeded: bytes[index]) }
        case .big:
            for index in range { value = (value << 8) | T(truncatingIfNeeded: bytes[index]) }
        }
        offset += size
        return value
    }

    /// Reads one byte.
    public mutating func readUInt8(_ what: @autoclosure () -> String = "") throws(ByteParsingError) -> UInt8 {
        try read(UInt8.self, .big, what())
    }

    /// Reads a QUIC variable-length integer (RFC 9000 §16), as Binary HTTP (RFC 9292) uses.
    public mutating func readVarInt(
        _ what: @autoclosure () -> String = "variable-length integer"
    ) throws(ByteParsingError) -> UInt64 {
        let start = offset
        let label = what()
        let first = try readUInt8(label)
        let length = 1 << Int(first >> 6)
        var value = UInt64(first & 0x3F)
        for _ in 1..<length {
            do {
                value = (value << 8) | UInt64(try readUInt8(label))
            } catch {
                offset = start
                throw ByteParsingError(
                    code: .truncated,
                    offset: start,
                    expected: "\(length)-byte \(label)",
                    remaining: count - start
                )
            }
        }
        return value
    }

    // MARK: Byte runs

    /// Reads `count` bytes without copying them.
    public mutating func readSlice(
        count: Int,
        _ what: @autoclosure () -> String = ""
    ) throws(ByteParsingError) -> Bytes.SubSequence {
        let range = try checkedRange(count) { Self.describeBytes(count, what()) }
        offset += count
        return bytes[range]
    }

    /// Reads `count` bytes into a new array (a fixed-size field such as a 48-byte measurement).
    public mutating func readBytes(
        count: Int,
        _ what: @autoclosure () -> String = ""
    ) throws(ByteParsingError) -> [UInt8] {
        Array(try readSlice(count: count, what()))
    }

    /// Reads the remaining bytes.
    public mutating func readRemaining() -> Bytes.SubSequence {
        let range = (bytes.startIndex + offset)..<bytes.endIndex
        offset = count
        return bytes[range]
    }

    /// Reads a blob preceded by its length, checking the length against `maxLength` before reading.
    public mutating func readLengthPrefixed<Length: FixedWidthInteger>(
        _ lengthType: Length.Type,
        _ endianness: Endianness,
        maxLength: Int = .max,
        _ what: @autoclosure () -> String = "length-prefixed value"
    ) throws(ByteParsingError) -> Bytes.SubSequence {
        let start = offset
        let label = what()
        let declared = try read(Length.self, endianness, "length of \(label)")
        guard let length = Int(exactly: declared), length <= maxLength else {
            offset = start
            throw ByteParsingError(
                code: .limitExceeded,
                offset: start,
                expected: "length of \(label) is \(declared), above the limit of \(maxLength) bytes",
                remaining: count - start
            )
        }
        do {
            return try readSlice(count: length, label)
        } catch {
            offset = start
            throw error
        }
    }

    /// Reads `count` bytes that must be valid UTF-8.
    public mutating func readUTF8(
        count: Int,
        _ what: @autoclosure () -> String = "UTF-8 string"
    ) throws(ByteParsingError) -> String {
        let start = offset
        let label = what()
        let slice = try readSlice(count: count, label)
        guard let string = String(validating: slice, as: UTF8.self) else {
            offset = start
            throw ByteParsingError(
                code: .invalidValue,
                offset: start,
                expected: "valid UTF-8 in \(label)",
                remaining: count
            )
        }
        return string
    }

    /// Returns the next byte without consuming it.
    public func peekUInt8() throws(ByteParsingError) -> UInt8 {
        var copy = self
        return try copy.readUInt8("peeked byte")
    }

    /// Reads `count` bytes as a nested cursor, so a sub-structure cannot read past its declared size.
    public mutating func readCursor(
        count: Int,
        _ what: @autoclosure () -> String = "nested structure"
    ) throws(ByteParsingError) -> ByteCursor<Bytes.SubSequence> where Bytes.SubSequence.Index == Int {
        ByteCursor<Bytes.SubSequence>(try readSlice(count: count, what()))
    }

    // MARK: Checking

    private func checkedRange(
        _ length: Int,
        _ what: () -> String
    ) throws(ByteParsingError) -> Range<Int> {
        guard length >= 0 else {
            throw ByteParsingError(
                code: .invalidValue,
                offset: offset,
                expected: "a non-negative length for \(what())",
                remaining: remaining
            )
        }
        guard length <= remaining else {
            throw ByteParsingError(code: .truncated, offset: offset, expected: what(), remaining: remaining)
        }
        let start = bytes.startIndex + offset
        return start..<(start + length)
    }

    private static func describe<T>(_ type: T.Type, size: Int, _ what: String) -> String {
        let base = "\(T.self) (\(size) bytes)"
        return what.isEmpty ? base : "\(base) for \(what)"
    }

    private static func describeBytes(_ count: Int, _ what: String) -> String {
        what.isEmpty ? "\(count) bytes" : "\(count) bytes for \(what)"
    }
}

extension ByteCursor: Sendable where Bytes: Sendable {}
