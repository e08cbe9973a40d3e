/// The compute kernels of the inference engine. Model code calls these with buffers and weight matrices; the
/// pointers, SIMD and threading stay here.
public enum Kernels {}

/// A raw pointer that may cross to a worker thread. Each task writes a disjoint range of the memory it points
/// to, and the dispatching thread waits for every task, which is what makes sharing it sound.
struct SharedPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
