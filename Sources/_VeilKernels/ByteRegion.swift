#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import _VeilBytes

/// An immutable region of bytes that model weights are read from: a locked ``SecureBytes`` buffer (the unsealed
/// model), a read-only memory-mapped file, or a private copy.
///
/// The region is a `RandomAccessCollection` of bytes, so parsers walk it with a bounds-checked `ByteCursor`; the
/// kernels read tensor data from it by offset. Its address never changes while it lives, and it keeps its backing
/// storage alive, so tensors that refer to it stay valid as long as they hold it.
public final class ByteRegion: @unchecked Sendable, RandomAccessCollection {
    private enum Backing {
        case secure(SecureBytes)
        case mapped(length: Int)
        case anonymous(length: Int)
        case owned
    }

    let base: UnsafeRawPointer
    /// The number of bytes in the region.
    public let count: Int
    private let backing: Backing

    /// Wraps a secure buffer without copying it; the region keeps the buffer alive and never writes to it.
    public init(secureBytes: SecureBytes) {
        // The buffer's storage is a fixed mapping that moves only when a value holding it is mutated; the region
        // holds its own immutable copy of the value, so the address stays valid for the region's lifetime.
        let address = secureBytes.withUnsafeBytes { $0.baseAddress }
        let placeholder = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64)
        self.base = address.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(placeholder)
        if address != nil { placeholder.deallocate() }
        self.count = secureBytes.count
        self.backing = address == nil ? .owned : .secure(secureBytes)
    }

    /// Copies `bytes` into a private, 64-byte aligned allocation that is zeroised when the region is released.
    public init<C: Collection>(copying bytes: C) where C.Element == UInt8 {
        let count = bytes.count
        let memory = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1), alignment: 64)
        _ = UnsafeMutableRawBufferPointer(start: memory, count: count).initializeMemory(as: UInt8.self, from: bytes)
        self.base = UnsafeRawPointer(memory)
        self.count = count
        self.backing = .owned
    }

    /// Maps a file read-only. The pages are shared with the page cache and are never written.
    public init(mappingFileAt path: String) throws(ByteRegionError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ByteRegionError(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ByteRegionError(path: path, operation: "fstat", errno: errno)
        }
        let length = Int(status.st_size)
        guard length > 0 else { throw ByteRegionError(path: path, operation: "map an empty file", errno: 0) }
        guard let mapping = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw ByteRegionError(path: path, operation: "mmap", errno: errno)
        }
        #if os(Linux)
        _ = madvise(mapping, length, Int32(MADV_DONTDUMP))
        _ = madvise(mapping, length, Int32(MADV_WILLNEED))
        #endif
        self.base = UnsafeRawPointer(mapping)
        self.count = length
        self.backing = .mapped(length: length)
    }

    /// Reads a file into private anonymous memory backed by transparent huge pages where the kernel offers them
    /// (fewer TLB misses when the weights are streamed for every token), excluded from core dumps, then made
    /// read-only. The copy is zeroised when the region is released.
    public init(readingFileAt path: String) throws(ByteRegionError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ByteRegionError(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ByteRegionError(path: path, operation: "fstat", errno: errno)
        }
        let count = Int(status.st_size)
        guard count > 0 else { throw ByteRegionError(path: path, operation: "read an empty file", errno: 0) }
        let huge = 2 << 20
        let length = (count + huge - 1) / huge * huge
        guard
            let mapping = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            mapping != MAP_FAILED
        else {
            throw ByteRegionError(path: path, operation: "allocate memory for", errno: errno)
        }
        #if os(Linux)
        _ = madvise(mapping, length, Int32(MADV_HUGEPAGE))
        _ = madvise(mapping, length, Int32(MADV_DONTDUMP))
        #endif
        var offset = 0
        while offset < count {
            let result = read(descriptor, mapping + offset, Swift.min(count - offset, 1 << 24))
            guard result > 0 else {
                let code = result < 0 ? errno : EIO
                munmap(mapping, length)
                throw ByteRegionError(path: path, operation: "read", errno: code)
            }
            offset += result
        }
        _ = mprotect(mapping, length, PROT_READ)
        self.base = UnsafeRawPointer(mapping)
        self.count = count
        self.backing = .anonymous(length: length)
    }

    deinit {
        switch backing {
        case .secure: break
        case .mapped(let length): munmap(UnsafeMutableRawPointer(mutating: base), length)
        case .anonymous(let length):
            let memory = UnsafeMutableRawPointer(mutating: base)
            _ = mprotect(memory, length, PROT_READ | PROT_WRITE)
            SecureMemory.wipe(UnsafeMutableRawBufferPointer(start: memory, count: count))
            munmap(memory, length)
        case .owned:
            let memory = UnsafeMutableRawPointer(mutating: base)
            SecureMemory.wipe(UnsafeMutableRawBufferPointer(start: memory, count: count))
            memory.deallocate()
        }
    }

    /// Whether this region is a memory-mapped file.
    public var isMapped: Bool {
        if case .mapped = backing { return true }
        return false
    }

    // MARK: RandomAccessCollection

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "ByteRegion index out of range")
        return base.load(fromByteOffset: position, as: UInt8.self)
    }

    /// A copy of `range` as an array (for small metadata such as a safetensors header).
    public func copyBytes(_ range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "ByteRegion range out of bounds")
        return Array(UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    /// Decodes `range` as UTF-8 (replacing invalid sequences), without an intermediate array.
    public func string(_ range: Range<Int>) -> String {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "ByteRegion range out of bounds")
        return String(
            decoding: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count),
            as: UTF8.self
        )
    }
}

/// A file could not be opened or mapped.
public struct ByteRegionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file.
    public let path: String
    /// What failed.
    public let operation: String
    /// The system error number (0 when none applies).
    public let errno: Int32

    public var description: String {
        let reason = errno == 0 ? "" : ": \(String(cString: strerror(errno)))"
        return "could not \(operation) \(path)\(reason)"
    }
}
