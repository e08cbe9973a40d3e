import _CVeilBytes

/// Allocator settings for code that streams large buffers (sealed-model chunks of megabytes).
///
/// glibc serves an allocation above its mmap threshold with a fresh mapping and, once freed, returns the memory
/// at the top of a heap to the kernel past its trim threshold. A loop that allocates and frees a few
/// multi-megabyte buffers per iteration — as AES-GCM in swift-crypto does for every chunk — then has every page
/// of every buffer faulted in and cleared by the kernel again: measured, that cost more than the AES-GCM itself.
/// Raising both thresholds keeps such buffers in the heap, where they are reused.
public enum HeapTuning {
    /// The mmap threshold set: 32 MiB, the largest glibc accepts on 64-bit systems.
    public static let mmapThreshold: Int32 = 32 * 1024 * 1024
    /// The trim threshold set: 256 MiB.
    public static let trimThreshold: Int32 = 256 * 1024 * 1024

    private static let applied: Bool = c_veil_tune_heap(mmapThreshold, trimThreshold) == 1

    /// Keeps buffers up to ``mmapThreshold`` in the heap and freed memory resident (up to ``trimThreshold``), so
    /// chunk-sized buffers are reused rather than re-faulted. Process-wide, idempotent, changes performance only.
    /// - Returns: whether the settings were applied (false off glibc).
    @discardableResult
    public static func keepLargeBuffersResident() -> Bool {
        applied
    }
}
