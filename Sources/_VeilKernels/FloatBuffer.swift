/// A fixed-size, 64-byte aligned buffer of `Float` for activations, scratch space and KV caches.
///
/// It is a reference type so that kernels can write into it without copies; it is owned by one request (inside a
/// serial container) and is not shared between concurrent tasks. Its contents are zeroised by ``zeroize()`` and
/// when it is released, so no activation derived from a prompt outlives the request.
public final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int

    /// Creates `count` zeros.
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
    }

    /// Creates a buffer holding `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for index in values.indices { pointer[index] = values[index] }
    }

    deinit {
        zeroize()
        pointer.deallocate()
    }

    /// Reads or writes one element (bounds-checked).
    public subscript(index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "FloatBuffer index out of range")
            return pointer[index]
        }
        set {
            precondition(index >= 0 && index < count, "FloatBuffer index out of range")
            pointer[index] = newValue
        }
    }

    /// A copy of `count` elements starting at `start`.
    public func array(from start: Int = 0, count length: Int? = nil) -> [Float] {
        let length = length ?? (count - start)
        precondition(start >= 0 && length >= 0 && start + length <= count, "FloatBuffer range out of bounds")
        return Array(UnsafeBufferPointer(start: pointer + start, count: length))
    }

    /// Copies `values` into the buffer at `start`.
    public func assign(_ values: [Float], at start: Int = 0) {
        precondition(start >= 0 && start + values.count <= count, "FloatBuffer range out of bounds")
        values.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            (pointer + start).update(from: base, count: values.count)
        }
    }

    /// Copies `length` elements from `source` at `sourceStart` into this buffer at `start`.
    public func copy(from source: FloatBuffer, sourceStart: Int = 0, to start: Int = 0, count length: Int) {
        precondition(sourceStart >= 0 && sourceStart + length <= source.count, "source range out of bounds")
        precondition(start >= 0 && start + length <= count, "destination range out of bounds")
        (pointer + start).update(from: source.pointer + sourceStart, count: length)
    }

    /// Sets every element to zero with a store the optimiser cannot remove.
    public func zeroize() {
        SecureMemoryBridge.wipe(UnsafeMutableRawPointer(pointer), byteCount: max(count, 1) * 4)
    }
}
