public import Foundation

/// A buffer for secrets and plaintext: keys, prompts, completions, model weights.
///
/// Its memory is mapped privately, locked into RAM where the OS allows it (`mlock`), excluded from core dumps
/// (`MADV_DONTDUMP`) and from forked children (`MADV_WIPEONFORK`), and overwritten with zeros — by a store the
/// optimiser cannot remove — on ``zeroize()`` and when the last reference goes away. Printing it, dumping it or
/// interpolating it shows only its size, and `==` compares in constant time.
///
/// ## Copy semantics
/// `SecureBytes` is a value type with copy-on-write storage. Assigning it shares the storage; the first
/// mutation of a shared value copies the bytes into a new secure region. Every region — original and copy —
/// is zeroised when its last owner releases it, so copies never outlive their owners in readable memory.
/// ``zeroize()`` clears only this value's bytes: if another value still shares the storage, the storage is
/// copied first and the other value keeps its bytes (ordinary value semantics). Growing (``append(contentsOf:)``)
/// moves the bytes into a larger region and zeroises the old one before it is unmapped.
///
/// Bytes you copy *out* (into an `Array`, `Data` or `String`) are ordinary heap memory and are not protected:
/// keep plaintext inside `SecureBytes` and hand it to consumers through ``withUnsafeBytes(_:)`` or a
/// ``ByteCursor``.
public struct SecureBytes: Sendable {
    private var storage: SecureStorage

    /// Creates `count` zero bytes.
    public init(count: Int) {
        precondition(count >= 0, "SecureBytes count must be non-negative")
        storage = SecureStorage(capacity: count)
        storage.count = count
    }

    /// Creates an empty buffer with room for `capacity` bytes before it must move.
    public init(reservingCapacity capacity: Int) {
        precondition(capacity >= 0, "SecureBytes capacity must be non-negative")
        storage = SecureStorage(capacity: capacity)
    }

    /// Copies `bytes` into secure memory. The source is ordinary memory: wipe it yourself if it was secret.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.init(count: bytes.count)
        storage.withMutableBytes { buffer in
            _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
        }
    }

    /// Creates `count` bytes and lets `body` write them in place, so they never exist elsewhere.
    public init<E: Error>(
        count: Int,
        initializingWith body: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        self.init(count: count)
        try storage.withMutableBytes(body)
    }

    /// Creates `count` bytes from the system's cryptographically secure generator (getrandom on Linux).
    public init(randomCount count: Int) {
        self.init(count: count)
        guard count > 0 else { return }
        var generator = SystemRandomNumberGenerator()
        storage.withMutableBytes { buffer in
            var index = 0
            while index < count {
                var word = generator.next()
                let take = Swift.min(8, count - index)
                Swift.withUnsafeBytes(of: &word) { wordBytes in
                    for offset in 0..<take { buffer[index + offset] = wordBytes[offset] }
                }
                word = 0
                index += take
            }
        }
    }

    /// The number of bytes held.
    public var count: Int { storage.count }

    /// Whether the buffer holds no bytes.
    public var isEmpty: Bool { storage.count == 0 }

    /// Whether the buffer's pages are locked into RAM, and if not, why.
    public var memoryLock: SecureMemory.LockStatus { storage.lockStatus }

    // MARK: Access

    /// Calls `body` with the bytes. The pointer is valid only inside `body`; do not let it escape.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try storage.withBytes(body)
    }

    /// Calls `body` with the bytes for writing. The pointer is valid only inside `body`.
    public mutating func withUnsafeMutableBytes<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        makeUnique()
        return try storage.withMutableBytes(body)
    }

    /// Overwrites every byte with zero, with a store the optimiser cannot remove, and keeps the count.
    public mutating func zeroize() {
        if !isKnownUniquelyReferenced(&storage) {
            // Another value shares the bytes: give this one a fresh region (new mappings read as zero).
            let count = storage.count
            storage = SecureStorage(capacity: count)
            storage.count = count
            return
        }
        storage.wipe()
    }

    /// Zeroises the bytes and sets the count to zero (the region is kept for reuse).
    public mutating func removeAll() {
        zeroize()
        storage.count = 0
    }

    /// Appends bytes, moving to a larger secure region when needed; the old region is zeroised.
    public mutating func append<C: Collection>(contentsOf bytes: C) where C.Element == UInt8 {
        let needed = storage.count + bytes.count
        if !isKnownUniquelyReferenced(&storage) || needed > storage.capacity {
            let grown = needed > storage.capacity ? Swift.max(needed, storage.capacity * 2) : storage.capacity
            moveStorage(capacity: grown)
        }
        let start = storage.count
        storage.count = needed
        storage.withMutableBytes { buffer in
            _ = UnsafeMutableRawBufferPointer(rebasing: buffer[start..<needed])
                .initializeMemory(as: UInt8.self, from: bytes)
        }
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            moveStorage(capacity: storage.capacity)
        }
    }

    private mutating func moveStorage(capacity: Int) {
        let replacement = SecureStorage(capacity: capacity)
        replacement.count = storage.count
        storage.withBytes { source in
            replacement.withMutableBytes { destination in
                if let from = source.baseAddress, let to = destination.baseAddress, source.count > 0 {
                    to.copyMemory(from: from, byteCount: source.count)
                }
            }
        }
        storage = replacement
    }
}

// MARK: - Collection

extension SecureBytes: RandomAccessCollection, MutableCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }

    public subscript(position: Int) -> UInt8 {
        get {
            precondition(position >= 0 && position < storage.count, "SecureBytes index out of range")
            return storage.withBytes { $0[position] }
        }
        set {
            precondition(position >= 0 && position < storage.count, "SecureBytes index out of range")
            makeUnique()
            storage.withMutableBytes { $0[position] = newValue }
        }
    }
}

// MARK: - Equality, printing

extension SecureBytes: Equatable {
    /// Compares in time that depends only on the lengths, never on the contents.
    public static func == (lhs: SecureBytes, rhs: SecureBytes) -> Bool {
        lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in ConstantTime.equals(left, right) }
        }
    }
}

extension SecureBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "SecureBytes(\(count) bytes, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension SecureBytes: ContiguousBytes {}
