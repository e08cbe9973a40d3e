public import _VeilBytes

/// A model unsealed into locked memory: the verified header and one ``SecureBytes`` region holding the whole
/// plaintext, exactly ``SealedModel/Manifest/plaintextSize`` bytes.
///
/// ## Hand-off to the inference engine
/// The engine parses GGUF or safetensors straight from ``plaintext``, never from a copy:
/// - metadata and tensor directories through ``cursor()``, a bounds-checked ``ByteCursor`` over the region
///   (copying the cursor or the value shares the region; `SecureBytes` copies only on mutation);
/// - tensor data through the region's pointer accessor, which only `_VeilKernels` (and `_VeilBytes`) may call,
///   with offsets the cursor validated.
///
/// The region is mlocked, excluded from core dumps and forks, and zeroised when the last value sharing it goes
/// away; call ``zeroize()`` to clear it earlier (when a model is unloaded).
public struct UnsealedModel: Sendable {
    /// The verified header: manifest, key envelope and signature.
    public let header: SealedModel.Header
    /// The plaintext weights, in locked memory.
    public private(set) var plaintext: SecureBytes

    init(header: SealedModel.Header, plaintext: SecureBytes) {
        self.header = header
        self.plaintext = plaintext
    }

    /// The manifest the owner signed.
    public var manifest: SealedModel.Manifest { header.manifest }

    /// Whether the region is locked into RAM.
    public var memoryLock: SecureMemory.LockStatus { plaintext.memoryLock }

    /// A bounds-checked cursor at the start of the plaintext, sharing the region (no copy).
    public func cursor() -> ByteCursor<SecureBytes> {
        ByteCursor(plaintext)
    }

    /// Overwrites the plaintext with zeros now (values that share the region keep their bytes until released).
    public mutating func zeroize() {
        plaintext.zeroize()
    }
}
