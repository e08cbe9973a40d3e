public import Foundation

extension SecureBytes {
    /// Moves transient plaintext into secure memory: copies `data`, then wipes `data` in place.
    public init(wiping data: inout Data) {
        self.init(data)
        SecureMemory.wipe(&data)
    }

    /// Moves transient plaintext into secure memory: copies `bytes`, then wipes `bytes` in place.
    public init(wiping bytes: inout [UInt8]) {
        self.init(bytes)
        SecureMemory.wipe(&bytes)
    }
}
