public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Moving transient plaintext (the `Data` a library such as swift-crypto returns) into secure memory, and
// secure memory out to a file descriptor, without exposing pointers to callers outside `_VeilBytes`.

extension SecureBytes {
    /// Copies `source` into this buffer starting at `offset`, then wipes `source` (and empties it), so the
    /// transient copy does not outlive the call in readable memory.
    ///
    /// Use it for the plaintext an API hands back in ordinary heap memory, e.g. `AES.GCM.open`'s `Data`.
    /// - Precondition: `offset >= 0` and `offset + source.count <= count`.
    public mutating func moveIn(wiping source: inout Data, at offset: Int) {
        precondition(offset >= 0 && offset <= count - source.count, "SecureBytes.moveIn: range out of bounds")
        let length = source.count
        if length > 0 {
            withUnsafeMutableBytes { destination in
                source.withUnsafeBytes { bytes in
                    if let from = bytes.baseAddress, let to = destination.baseAddress {
                        (to + offset).copyMemory(from: from, byteCount: length)
                    }
                }
            }
        }
        SecureMemory.wipe(&source)
    }

    /// Copies `source` into this buffer starting at `offset` (the source is left as it is).
    /// - Precondition: `offset >= 0` and `offset + source.count <= count`.
    public mutating func replaceBytes<C: Collection>(at offset: Int, with source: C) where C.Element == UInt8 {
        precondition(offset >= 0 && offset <= count - source.count, "SecureBytes.replaceBytes: range out of bounds")
        withUnsafeMutableBytes { destination in
            _ = UnsafeMutableRawBufferPointer(rebasing: destination[offset..<(offset + source.count)])
                .initializeMemory(as: UInt8.self, from: source)
        }
    }

    /// Writes `range` of the bytes to an open file descriptor, retrying short writes and `EINTR`.
    ///
    /// The bytes go straight from secure memory to the kernel: no heap copy is made. Writing secrets to a
    /// file is the caller's decision (Veil does it only for `veil unseal --out`, a debugging tool).
    /// - Returns: `0` on success, or the `errno` of the failed `write`.
    public func write(_ range: Range<Int>, toFileDescriptor descriptor: Int32) -> Int32 {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "SecureBytes.write: range out of bounds")
        return withUnsafeBytes { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return 0 }
            var position = range.lowerBound
            while position < range.upperBound {
                let written = Foundation.write(descriptor, base + position, range.upperBound - position)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                position += written
            }
            return 0
        }
    }
}

extension SecureMemory {
    /// Overwrites the bytes of `data` with zeros in place (`explicit_bzero`) and then empties it.
    ///
    /// For transient copies of secrets in `Data`, such as the plaintext `AES.GCM.open` returns. If the storage is
    /// shared with another `Data` value the wipe first makes it unique (Foundation copy-on-write), so wipe
    /// before you hand the value anywhere else.
    public static func wipe(_ data: inout Data) {
        data.withUnsafeMutableBytes { wipe($0) }
        data = Data()
    }
}
