#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import _CVeilBytes
import Synchronization

/// What Veil's secure memory achieved on this machine.
public enum SecureMemory {
    /// Whether a region is locked into RAM.
    public enum LockStatus: Hashable, Sendable, CustomStringConvertible {
        /// The pages are locked (`mlock` succeeded).
        case locked
        /// `mlock` failed; the bytes may be swapped to disk. `errno` says why (usually `RLIMIT_MEMLOCK`).
        case notLocked(errno: Int32)
        /// Nothing to lock (zero bytes).
        case empty

        public var description: String {
            switch self {
            case .locked: return "locked"
            case .empty: return "empty"
            case .notLocked(let code): return "not locked (\(String(cString: strerror(code))))"
            }
        }
    }

    private static let failures = Atomic<Int>(0)
    private static let lockedBytes = Atomic<Int>(0)

    /// How many secure regions could not be locked since the process started.
    public static var lockFailureCount: Int { failures.load(ordering: .relaxed) }

    /// How many bytes secure regions currently hold locked.
    public static var currentlyLockedBytes: Int { lockedBytes.load(ordering: .relaxed) }

    /// The system page size.
    public static let pageSize: Int = {
        let size = Int(sysconf(Int32(_SC_PAGESIZE)))
        return size > 0 ? size : 4096
    }()

    fileprivate static func recordFailure() { failures.add(1, ordering: .relaxed) }
    fileprivate static func recordLocked(_ bytes: Int) { lockedBytes.add(bytes, ordering: .relaxed) }
    fileprivate static func recordUnlocked(_ bytes: Int) { lockedBytes.subtract(bytes, ordering: .relaxed) }

    /// Overwrites memory with zeros using a store the compiler may not elide (`explicit_bzero`).
    public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        c_veil_secure_zero(base, buffer.count)
    }

    /// Overwrites an array's bytes with zeros in place (for transient copies of secrets outside ``SecureBytes``).
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { wipe($0) }
    }
}

/// The mapped region behind ``SecureBytes``. Only `SecureBytes` mutates it, after checking it is uniquely
/// referenced, which is what makes the unchecked `Sendable` conformance sound.
final class SecureStorage: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer?
    private let mappedLength: Int
    let capacity: Int
    let lockStatus: SecureMemory.LockStatus
    var count: Int = 0

    init(capacity: Int) {
        self.capacity = capacity
        guard capacity > 0 else {
            base = nil
            mappedLength = 0
            lockStatus = .empty
            return
        }
        let page = SecureMemory.pageSize
        let length = (capacity + page - 1) / page * page
        #if canImport(Darwin)
        let flags = MAP_PRIVATE | MAP_ANON
        #else
        let flags = MAP_PRIVATE | MAP_ANONYMOUS
        #endif
        let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, flags, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            fatalError("SecureBytes: cannot map \(length) bytes (\(String(cString: strerror(errno))))")
        }
        base = mapped
        mappedLength = length
        #if os(Linux)
        _ = madvise(mapped, length, MADV_DONTDUMP)
        _ = madvise(mapped, length, MADV_WIPEONFORK)
        #endif
        if mlock(mapped, length) == 0 {
            lockStatus = .locked
            SecureMemory.recordLocked(length)
        } else {
            lockStatus = .notLocked(errno: errno)
            SecureMemory.recordFailure()
        }
    }

    deinit {
        guard let base else { return }
        c_veil_secure_zero(base, mappedLength)
        if lockStatus == .locked {
            munlock(base, mappedLength)
            SecureMemory.recordUnlocked(mappedLength)
        }
        munmap(base, mappedLength)
    }

    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    func withMutableBytes<R, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeMutableRawBufferPointer(start: base, count: count))
    }

    func wipe() {
        guard let base else { return }
        c_veil_secure_zero(base, mappedLength)
    }
}
