import Crypto
import Foundation
import Testing
import _VeilBytes

@Suite("SecureBytes transfer and file streams")
struct SecureBytesTransferTests {
    @Test("moveIn copies AES-GCM's plaintext into the region and wipes the Data's own buffer in place")
    func moveInWipesInPlace() throws {
        let key = SymmetricKey(size: .bits256)
        let message = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let box = try AES.GCM.seal(message, using: key)
        var plaintext = try AES.GCM.open(box, using: key)
        // The wipe must reach the buffer swift-crypto allocated, not a copy-on-write copy of it.
        let address = plaintext.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        let mutableAddress = plaintext.withUnsafeMutableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(address == mutableAddress, "Data from AES.GCM.open must be mutable in place")

        var region = SecureBytes(count: 6000)
        region.moveIn(wiping: &plaintext, at: 1000)
        #expect(plaintext.isEmpty)
        #expect(Array(region[1000..<6000]) == message)
        #expect(region[0..<1000].allSatisfy { $0 == 0 })
    }

    @Test("fillComputingSHA256 hashes on a second thread exactly what was written, in order")
    func pipelinedDigest() throws {
        var generator = SystemRandomNumberGenerator()
        let message = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var region = SecureBytes(count: message.count)
        let digest = region.fillComputingSHA256 { filler in
            var offset = 0
            while offset < message.count {
                let end = min(message.count, offset + Int.random(in: 0...9_000, using: &generator))
                var piece = Data(message[offset..<end])
                filler.moveIn(wiping: &piece)
                #expect(piece.isEmpty)
                offset = end
            }
            #expect(filler.filled == message.count)
        }
        #expect(Array(digest) == Array(SHA256.hash(data: message)))
        #expect(Array(region) == message)
    }

    @Test("fillComputingSHA256 rethrows the body's error after the hashing thread let go")
    func pipelinedDigestThrows() {
        struct Stop: Error {}
        var region = SecureBytes(count: 1000)
        #expect(throws: Stop.self) {
            _ = try region.fillComputingSHA256 { (filler) throws(Stop) in
                var piece = Data(repeating: 7, count: 600)
                filler.moveIn(wiping: &piece)
                throw Stop()
            }
        }
        region.zeroize()
        #expect(region.allSatisfy { $0 == 0 })
    }

    @Test("wipe(_ data:) zeroes the bytes it owns before emptying")
    func wipeData() {
        var data = Data(repeating: 0xAA, count: 4096)
        var observed: [UInt8] = []
        data.withUnsafeMutableBytes { buffer in
            SecureMemory.wipe(buffer)
            observed = Array(buffer)
        }
        #expect(observed.allSatisfy { $0 == 0 })
        SecureMemory.wipe(&data)
        #expect(data.isEmpty)
    }

    @Test("an atomic writer leaves nothing behind without commit, and renames on commit")
    func atomicWriter() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "veil-stream-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.bin").path
        do {
            let writer = try AtomicFileWriter(path: path, mode: 0o600, overwrite: false)
            try writer.write([1, 2, 3] as [UInt8])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)

        let writer = try AtomicFileWriter(path: path, mode: 0o600, overwrite: false)
        try writer.write(SecureBytes([9, 8, 7, 6]), range: 1..<3)
        try writer.commit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([8, 7]))
        #expect(throws: FileStreamError.self) { _ = try AtomicFileWriter(path: path, mode: 0o600, overwrite: false) }

        let reader = try FileStreamReader(path: path)
        var buffer = Data()
        #expect(try reader.read(into: &buffer, count: 10) == 2)
        #expect(buffer == Data([8, 7]))
        #expect(reader.regularFileStatus()?.size == 2)
    }
}
