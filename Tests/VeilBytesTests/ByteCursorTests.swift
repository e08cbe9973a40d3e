import Testing
import VeilTestSupport
import _VeilBytes

/// A sample structure exercising every kind of read, parsed the way Veil's binary parsers are written.
private struct Sample: Equatable {
    var magic: UInt32
    var version: UInt16
    var flags: UInt8
    var sequence: UInt64
    var blob: [UInt8]
    var name: String
    var digest: [UInt8]
    var signed: Int32

    static func parse(_ bytes: [UInt8]) throws(ByteParsingError) -> Sample {
        var cursor = ByteCursor(bytes)
        let magic = try cursor.read(UInt32.self, .big, "magic")
        let version = try cursor.read(UInt16.self, .little, "version")
        let flags = try cursor.readUInt8("flags")
        let sequence = try cursor.readVarInt("sequence")
        let blob = Array(try cursor.readLengthPrefixed(UInt16.self, .big, maxLength: 1024, "blob"))
        let nameLength = Int(try cursor.readUInt8("name length"))
        let name = try cursor.readUTF8(count: nameLength, "name")
        try cursor.align(to: 4)
        let digest = try cursor.readBytes(count: 16, "digest")
        let signed = try cursor.read(Int32.self, .little, "signed")
        try cursor.expectEnd("sample")
        return Sample(
            magic: magic,
            version: version,
            flags: flags,
            sequence: sequence,
            blob: blob,
            name: name,
            digest: digest,
            signed: signed
        )
    }

    func serialize() throws -> [UInt8] {
        var writer = ByteWriter()
        writer.write(magic, .big)
        writer.write(version, .little)
        writer.write(flags)
        try writer.writeVarInt(sequence)
        try writer.writeLengthPrefixed(blob, as: UInt16.self, .big)
        try writer.writeLengthPrefixed(Array(name.utf8), as: UInt8.self, .big)
        writer.writeZeros((4 - writer.count % 4) % 4)
        writer.write(contentsOf: digest)
        writer.write(signed, .little)
        return writer.bytes
    }

    static let example = Sample(
        magic: 0x5645_494C,
        version: 3,
        flags: 0x81,
        sequence: 494_878_333,
        blob: [1, 2, 3, 4, 5],
        name: "vœil",
        digest: Array(0..<16),
        signed: -2
    )
}

@Suite("ByteCursor")
struct ByteCursorTests {
    @Test("a sample structure round-trips through ByteWriter and ByteCursor")
    func roundTrip() throws {
        let bytes = try Sample.example.serialize()
        #expect(try Sample.parse(bytes) == Sample.example)
    }

    @Test("truncation at every offset throws a typed truncation error, never traps")
    func everyTruncation() throws {
        let bytes = try Sample.example.serialize()
        for length in 0..<bytes.count {
            let prefix = Array(bytes[0..<length])
            let error = #expect(throws: ByteParsingError.self) { try Sample.parse(prefix) }
            #expect(error?.code == .truncated, "prefix of \(length) bytes gave \(String(describing: error))")
            if let error {
                #expect(error.offset <= length)
                #expect(error.remaining == length - error.offset)
                #expect(!error.expected.isEmpty)
            }
        }
    }

    @Test("trailing bytes after a complete structure are rejected")
    func trailing() throws {
        let bytes = try Sample.example.serialize() + [0]
        let error = #expect(throws: ByteParsingError.self) { try Sample.parse(bytes) }
        #expect(error?.code == .trailingBytes)
        #expect(error?.offset == bytes.count - 1)
    }

    @Test("seeded random inputs either parse or throw ByteParsingError")
    func randomInputs() throws {
        var generator = SeededGenerator(seed: 0x5EED_0001)
        let valid = try Sample.example.serialize()
        var parsed = 0
        for _ in 0..<20_000 {
            var input: [UInt8]
            if Bool.random(using: &generator) {
                input = generator.bytes(count: Int.random(in: 0...64, using: &generator))
            } else {
                // Mutate a valid encoding so the parser gets deep before failing.
                input = valid
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    input[Int.random(in: 0..<input.count, using: &generator)] = UInt8.random(
                        in: 0...255,
                        using: &generator
                    )
                }
                input = Array(input.prefix(Int.random(in: 0...input.count, using: &generator)))
            }
            do {
                _ = try Sample.parse(input)
                parsed += 1
            } catch {
                // The only error a parse may throw is the typed one (typed throws guarantee it statically).
                #expect(error.offset >= 0 && error.offset <= input.count)
            }
        }
        #expect(parsed > 0, "some mutations keep the structure valid")
    }

    @Test("a failed read leaves the cursor where it was")
    func failedReadDoesNotMove() throws {
        var cursor = ByteCursor([0x01, 0x02, 0x03])
        _ = try cursor.readUInt8()
        #expect(throws: ByteParsingError.self) { try cursor.read(UInt32.self, .little) }
        #expect(cursor.offset == 1)
        #expect(throws: ByteParsingError.self) { try cursor.readLengthPrefixed(UInt8.self, .big) }
        #expect(cursor.offset == 1)
        #expect(try cursor.read(UInt16.self, .big) == 0x0203)
    }

    @Test("integers decode in both byte orders, signed and unsigned")
    func integers() throws {
        var cursor = ByteCursor([0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 0x03, 0x04, 0xFF, 0xFE])
        #expect(try cursor.read(UInt32.self, .little) == 0x0403_0201)
        #expect(try cursor.read(UInt32.self, .big) == 0x0102_0304)
        #expect(try cursor.read(Int16.self, .little) == -257)
        #expect(cursor.isAtEnd)
    }

    @Test("error describes the field, offset and remaining bytes")
    func errorDescription() {
        var cursor = ByteCursor([0xAA, 0xBB])
        let error = #expect(throws: ByteParsingError.self) { try cursor.read(UInt32.self, .little, "report version") }
        #expect(
            error
                == ByteParsingError(
                    code: .truncated,
                    offset: 0,
                    expected: "UInt32 (4 bytes) for report version",
                    remaining: 2
                )
        )
        #expect(
            error?.description
                == "truncated input at offset 0: expected UInt32 (4 bytes) for report version, but only 2 bytes remain"
        )
    }

    @Test("declared lengths above the caller's limit are refused before reading")
    func lengthLimit() {
        var cursor = ByteCursor([0x00, 0x00, 0x10, 0x00] + [UInt8](repeating: 0, count: 8))
        let error = #expect(throws: ByteParsingError.self) {
            try cursor.readLengthPrefixed(UInt32.self, .big, maxLength: 1024, "tensor name")
        }
        #expect(error?.code == .limitExceeded)
        #expect(cursor.offset == 0)
    }

    @Test("a 64-bit length that does not fit Int is a limit error, not a trap")
    func hugeLength() {
        var cursor = ByteCursor([UInt8](repeating: 0xFF, count: 8))
        let error = #expect(throws: ByteParsingError.self) { try cursor.readLengthPrefixed(UInt64.self, .little) }
        #expect(error?.code == .limitExceeded)
    }

    @Test("invalid UTF-8 is an invalid-value error")
    func invalidUTF8() {
        var cursor = ByteCursor([0xC3, 0x28])
        let error = #expect(throws: ByteParsingError.self) { try cursor.readUTF8(count: 2, "name") }
        #expect(error?.code == .invalidValue)
    }

    @Test("seek, skip and align stay inside the input")
    func positioning() throws {
        var cursor = ByteCursor([UInt8](repeating: 7, count: 10))
        try cursor.seek(to: 3)
        try cursor.align(to: 8)
        #expect(cursor.offset == 8)
        #expect(throws: ByteParsingError.self) { try cursor.skip(3) }
        #expect(throws: ByteParsingError.self) { try cursor.seek(to: 11) }
        #expect(throws: ByteParsingError.self) { try cursor.seek(to: -1) }
        #expect(throws: ByteParsingError.self) { try cursor.skip(-1) }
        #expect(throws: ByteParsingError.self) { try cursor.align(to: 0) }
        try cursor.seek(to: 10)
        #expect(cursor.isAtEnd)
        #expect(throws: ByteParsingError.self) { try cursor.peekUInt8() }
    }

    @Test("nested cursors cannot read past their declared size")
    func nested() throws {
        var cursor = ByteCursor([0x02, 0xAA, 0xBB, 0xCC])
        let length = Int(try cursor.readUInt8())
        var inner = try cursor.readCursor(count: length, "inner")
        #expect(try inner.read(UInt16.self, .big) == 0xAABB)
        #expect(throws: ByteParsingError.self) { try inner.readUInt8() }
        #expect(try cursor.readUInt8() == 0xCC)
    }

    @Test("slices with a non-zero start index are read from their own start")
    func sliceIndices() throws {
        let whole: [UInt8] = [9, 9, 1, 2]
        var cursor = ByteCursor(whole[2...])
        #expect(try cursor.read(UInt16.self, .big) == 0x0102)
        #expect(cursor.offset == 2)
    }

    /// RFC 9000 Appendix A.1, sample variable-length integer decodings (verbatim).
    @Test(
        "QUIC variable-length integers (RFC 9000 A.1)",
        arguments: [
            ("c2197c5eff14e88c", UInt64(151_288_809_941_952_652)),
            ("9d7f3e7d", UInt64(494_878_333)),
            ("7bbd", UInt64(15_293)),
            ("25", UInt64(37)),
        ]
    )
    func varInts(hex: String, value: UInt64) throws {
        var cursor = ByteCursor(try [UInt8](hex: hex))
        #expect(try cursor.readVarInt() == value)
        #expect(cursor.isAtEnd)
        var writer = ByteWriter()
        try writer.writeVarInt(value)
        #expect(writer.bytes.hexString == hex)
    }

    @Test("the two-byte encoding of 37 (RFC 9000 A.1) decodes; a truncated varint is an error")
    func varIntNonMinimalAndTruncated() throws {
        var cursor = ByteCursor(try [UInt8](hex: "4025"))
        #expect(try cursor.readVarInt() == 37)
        var truncated = ByteCursor(try [UInt8](hex: "c2197c"))
        let error = #expect(throws: ByteParsingError.self) { try truncated.readVarInt() }
        #expect(error?.code == .truncated)
        #expect(truncated.offset == 0)
        var writer = ByteWriter()
        #expect(throws: ByteWriterError.self) { try writer.writeVarInt(1 << 62) }
    }

    @Test("ByteWriter refuses values too long for their length prefix")
    func writerLengthOverflow() {
        var writer = ByteWriter()
        #expect(throws: ByteWriterError.self) {
            try writer.writeLengthPrefixed([UInt8](repeating: 0, count: 256), as: UInt8.self, .big)
        }
        #expect(writer.count == 0)
    }
}
