import Crypto
import Foundation
import Testing
import _VeilBytes

@Suite("SecureBytes")
struct SecureBytesTests {
    private let secret: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF, 0x5E, 0xC2, 0xE7, 0x42]

    @Test("zeroize() overwrites the same storage with zeros and keeps the count")
    func zeroizeWipesStorage() {
        var bytes = SecureBytes(secret)
        let before = bytes.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        bytes.zeroize()
        bytes.withUnsafeBytes { buffer in
            #expect(UInt(bitPattern: buffer.baseAddress) == before, "zeroize must wipe in place, not move")
            #expect(buffer.allSatisfy { $0 == 0 })
        }
        #expect(bytes.count == secret.count)
    }

    @Test("a copy is independent: mutating or zeroising one leaves the other intact")
    func copiesAreIndependent() {
        let original = SecureBytes(secret)
        var copy = original
        copy[0] = 0x00
        #expect(original[0] == 0xDE)
        #expect(Array(original) == secret)

        var third = original
        third.zeroize()
        #expect(Array(original) == secret)
        #expect(third.allSatisfy { $0 == 0 })
        #expect(third.count == secret.count)
    }

    @Test("description, debugDescription, interpolation and dump reveal only the size")
    func printingRevealsNothing() {
        let bytes = SecureBytes(secret)
        var dumped = ""
        dump(bytes, to: &dumped)
        let renderings = [bytes.description, bytes.debugDescription, "\(bytes)", String(reflecting: bytes), dumped]
        for rendering in renderings {
            #expect(rendering.contains("8 bytes"))
            for byte in secret {
                #expect(!rendering.localizedCaseInsensitiveContains(Hex.encode([byte])), "\(rendering)")
                #expect(!rendering.contains(String(byte)), "\(rendering)")
            }
        }
    }

    @Test("equality: equal, unequal, different lengths, empty")
    func equality() {
        #expect(SecureBytes(secret) == SecureBytes(secret))
        var changed = secret
        changed[7] ^= 1
        #expect(SecureBytes(secret) != SecureBytes(changed))
        #expect(SecureBytes(secret) != SecureBytes(secret.dropLast()))
        #expect(SecureBytes([]) == SecureBytes(count: 0))
        #expect(SecureBytes([]) != SecureBytes([0]))
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
    }

    @Test("append grows into a new region and keeps the bytes")
    func append() {
        var bytes = SecureBytes(reservingCapacity: 4)
        var expected: [UInt8] = []
        for round in 0..<50 {
            let chunk = [UInt8](repeating: UInt8(round), count: round)
            bytes.append(contentsOf: chunk)
            expected += chunk
        }
        #expect(Array(bytes) == expected)
        let shared = bytes
        bytes.append(contentsOf: [0xFF])
        #expect(shared.count == expected.count)
        #expect(bytes.count == expected.count + 1)
    }

    @Test("removeAll() zeroises and empties")
    func removeAll() {
        var bytes = SecureBytes(secret)
        bytes.removeAll()
        #expect(bytes.isEmpty)
        bytes.append(contentsOf: [1, 2])
        #expect(Array(bytes) == [1, 2])
    }

    @Test("random bytes differ between calls and initialisation in place works")
    func randomAndInPlace() {
        #expect(SecureBytes(randomCount: 32) != SecureBytes(randomCount: 32))
        #expect(SecureBytes(randomCount: 13).count == 13)
        let filled = SecureBytes(count: 4) { buffer in
            for index in buffer.indices { buffer[index] = UInt8(index + 1) }
        }
        #expect(Array(filled) == [1, 2, 3, 4])
    }

    @Test("swift-crypto keys can be built from SecureBytes without an intermediate copy type")
    func cryptoInterop() throws {
        let keyBytes = SecureBytes(randomCount: 32)
        let key = SymmetricKey(data: keyBytes)
        let box = try AES.GCM.seal(Array("hello".utf8), using: key)
        #expect(Array(try AES.GCM.open(box, using: SymmetricKey(data: keyBytes))) == Array("hello".utf8))
    }

    @Test("the region is excluded from core dumps and forks, and locked when the OS allows it (/proc/self/smaps)")
    func kernelSeesProtections() throws {
        #if os(Linux)
        let bytes = SecureBytes(secret)
        let address = bytes.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        let flags = try Self.vmFlags(containing: address)
        #expect(flags.contains("dd"), "MADV_DONTDUMP must show as 'dd' in VmFlags: \(flags)")
        #expect(flags.contains("wf"), "MADV_WIPEONFORK must show as 'wf' in VmFlags: \(flags)")
        switch bytes.memoryLock {
        case .locked:
            #expect(flags.contains("lo"), "a locked region must show as 'lo' in VmFlags: \(flags)")
        case .notLocked(let code):
            // Reported, not fatal: the limit (RLIMIT_MEMLOCK) refused it.
            #expect(code != 0)
            #expect(!flags.contains("lo"))
        case .empty:
            Issue.record("an 8-byte buffer cannot be empty")
        }
        #endif
    }

    /// The `VmFlags` of the mapping in /proc/self/smaps that contains `address`.
    private static func vmFlags(containing address: UInt) throws -> [String] {
        // procfs files report a size of 0, so read to end of file rather than by size.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps") else { throw SmapsError() }
        let smaps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
            } else if inside, line.hasPrefix("VmFlags:") {
                return fields.dropFirst().map(String.init)
            }
        }
        throw SmapsError()
    }

    private struct SmapsError: Error {}
}
