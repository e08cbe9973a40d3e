import _VeilBytes

/// Wipes kernel-owned memory through `_VeilBytes`' non-elidable zeroing.
enum SecureMemoryBridge {
    static func wipe(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        SecureMemory.wipe(UnsafeMutableRawBufferPointer(start: pointer, count: byteCount))
    }
}
