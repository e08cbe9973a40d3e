public import Foundation

extension SecureMemory {
    /// Overwrites a `Data` value's bytes with zeros in place.
    ///
    /// swift-crypto returns plaintext as `Data` (HPKE `open`, AES-GCM `open`); wipe it as soon as it has been
    /// moved into a ``SecureBytes``. Wiping happens on the buffer this value owns; if the `Data` shares its
    /// storage with another value, that other copy is not reached — so do not copy plaintext `Data` around.
    public static func wipe(_ data: inout Data) {
        data.withUnsafeMutableBytes { wipe($0) }
    }
}

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
