import Testing
import VeilInference
import VeilTestSupport
import _VeilBytes
import _VeilKernels

/// The GGUF reader on files the tests write, and on hostile variants of them.
@Suite("GGUFFile")
struct GGUFFileTests {
    static func sample() -> [UInt8] {
        var generator = SeededGenerator(seed: 11)
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("answer", .uint32(42))
        writer.set("negative", .int32(-7))
        writer.set("big", .uint64(1 << 40))
        writer.set("ratio", .float32(0.5))
        writer.set("precise", .float64(0.25))
        writer.set("flag", .bool(true))
        writer.set("names", .strings(["a", "bé", ""]))
        writer.set("numbers", .int32s([1, -2, 3]))
        writer.addTensor(
            "matrix",
            type: 3,
            dimensions: [64, 3],
            data: RandomTensorData.make(3, elements: 192, using: &generator)
        )
        writer.addTensor(
            "vector",
            type: 0,
            dimensions: [5],
            data: RandomTensorData.make(0, elements: 5, using: &generator)
        )
        return writer.bytes()
    }

    @Test("metadata of every value type and tensor infos round-trip")
    func roundTrip() throws {
        let bytes = Self.sample()
        let file = try GGUFFile(region: ByteRegion(copying: bytes))
        #expect(file.version == 3)
        #expect(file.metadata["answer"] == .uint32(42))
        #expect(file.metadata["negative"]?.int == -7)
        #expect(file.metadata["big"]?.int == 1 << 40)
        #expect(file.metadata["ratio"]?.double == 0.5)
        #expect(file.metadata["precise"] == .float64(0.25))
        #expect(file.metadata["flag"]?.bool == true)
        #expect(file.metadata["names"] == .array([.string("a"), .string("bé"), .string("")]))
        #expect(file.metadata["numbers"] == .array([.int32(1), .int32(-2), .int32(3)]))
        #expect(file.tensors.map(\.name) == ["matrix", "vector"])
        let matrix = try file.matrix("matrix")
        #expect(matrix.rows == 3 && matrix.columns == 64 && matrix.type == .q4_1)
        #expect(matrix.offset % 32 == 0)
        let expected = Dequantize.decode(.q4_1, bytes: Array(bytes[matrix.offset..<(matrix.offset + 60)]), count: 64)
        #expect(matrix.dequantizedRow(0) == expected)
        #expect(try file.vector("vector").count == 5)
        #expect(throws: GGUFError.self) { try file.matrix("absent") }
    }

    @Test("the same file parses from locked SecureBytes, a memory-mapped file and a private copy")
    func backings() throws {
        let bytes = Self.sample()
        let secure = try GGUFFile(region: ByteRegion(secureBytes: SecureBytes(bytes)))
        #expect(secure.tensors.count == 2)
        let path = "/tmp/veil-gguf-test-\(UInt32.random(in: 0...UInt32.max)).gguf"
        #expect(FileManagerShim.write(bytes, to: path))
        defer { FileManagerShim.remove(path) }
        let region = try ByteRegion(mappingFileAt: path)
        #expect(region.isMapped)
        let mapped = try GGUFFile(region: region)
        #expect(try mapped.matrix("matrix").dequantizedRow(2) == (try secure.matrix("matrix").dequantizedRow(2)))
        let read = try ByteRegion(readingFileAt: path)
        #expect(!read.isMapped && read.count == bytes.count && Array(read) == bytes)
        #expect(throws: ByteRegionError.self) { try ByteRegion(readingFileAt: path + ".absent") }
    }

    @Test("truncation at every offset yields a typed error, never a crash")
    func truncation() {
        let bytes = Self.sample()
        // Padding after the last tensor's data is optional; everything before its end is required.
        let file = try! GGUFFile(region: ByteRegion(copying: bytes))
        let required = file.dataOffset + file.tensors[1].offset + 20
        for length in 0..<required {
            #expect(throws: GGUFError.self, "length \(length)") {
                try GGUFFile(region: ByteRegion(copying: bytes[0..<length]))
            }
        }
    }

    @Test("seeded random corruption yields a file or a typed error")
    func corruption() {
        let original = Self.sample()
        var generator = SeededGenerator(seed: 0xBAD)
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let file = try GGUFFile(region: ByteRegion(copying: bytes))
                for tensor in file.tensors { _ = try? file.matrix(tensor.name) }
            } catch {
                #expect(!error.detail.isEmpty, "a typed error says what failed")
            }
        }
    }

    @Test("bad magic, version, counts and placements are reported by code")
    func specificErrors() {
        var bytes = Self.sample()
        bytes[0] = 0x47 ^ 0xFF
        #expect(code(bytes) == .badMagic)
        bytes = Self.sample()
        bytes[4] = 9
        #expect(code(bytes) == .unsupportedVersion)
        bytes = Self.sample()
        bytes.replaceSubrange(8..<16, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(code(bytes) == .limitExceeded)
        // A tensor that ends past the file.
        var writer = GGUFWriter()
        writer.addTensor("t", type: 0, dimensions: [4], data: [0, 0, 0, 0])
        bytes = writer.bytes()
        bytes.removeLast(32)
        #expect(code(bytes) == .malformed)
        // A string length beyond the file.
        writer = GGUFWriter()
        writer.set("key", .string("value"))
        bytes = writer.bytes()
        bytes[24] = 0xFF
        #expect(code(bytes) == .malformed)
    }

    func code(_ bytes: [UInt8]) -> GGUFError.Code? {
        do {
            _ = try GGUFFile(region: ByteRegion(copying: bytes))
            return nil
        } catch {
            return error.code
        }
    }
}

import Foundation

enum FileManagerShim {
    static func write(_ bytes: [UInt8], to path: String) -> Bool {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }
    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
