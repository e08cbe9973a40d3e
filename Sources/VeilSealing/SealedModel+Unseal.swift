import Foundation
public import VeilKeys
import Crypto
public import _VeilBytes

extension SealedModel {
    static let log = SafeLogger(label: "veil.sealing")

    /// Choices that relax or bound an unseal. The defaults are the strict ones.
    public struct UnsealOptions: Sendable, Hashable {
        /// Accept a plaintext region that could not be locked into RAM (`mlock` failed, usually because
        /// `RLIMIT_MEMLOCK` is smaller than the model). The weights may then be swapped to disk. Off by default;
        /// a relaxation for development machines that callers must name and should log.
        public var allowUnlockedMemory: Bool
        /// The largest plaintext accepted (default: the machine's physical memory).
        public var maximumPlaintextSize: UInt64

        public init(allowUnlockedMemory: Bool = false, maximumPlaintextSize: UInt64? = nil) {
            self.allowUnlockedMemory = allowUnlockedMemory
            self.maximumPlaintextSize = maximumPlaintextSize ?? ProcessInfo.processInfo.physicalMemory
        }
    }

    /// Unseals the sealed file at `path` into one locked ``SecureBytes`` region.
    ///
    /// In order: the magic and version; the header's structure; the owner key against `expectedOwners` and the
    /// signature; the data key's unwrap under `keyEncryptionKey`; then each chunk — its record's nonce prefix
    /// and counter, its AES-GCM tag over the associated data (manifest digest, index, final flag) — before its
    /// plaintext is copied into the region; then the end of the file and the plaintext's SHA-256 against the
    /// manifest. The first failed check throws a ``SealedModelError`` naming the check and the chunk, after the
    /// region has been zeroised: nothing unsealed is ever returned or left readable.
    ///
    /// The file is read once, sequentially; working memory beyond the region is about two chunks. The first call
    /// raises glibc's allocator thresholds (``HeapTuning``) so chunk buffers are reused, not faulted in anew.
    public static func unseal(
        contentsOf path: String,
        keyEncryptionKey: SecureBytes,
        expectedOwners: [SigningPublicKey],
        options: UnsealOptions = UnsealOptions(),
        progress: (SealingProgress) -> Void = { _ in }
    ) throws(SealedModelError) -> UnsealedModel {
        var source = try SealedFileSource(path: path)
        return try unseal(
            from: &source,
            keyEncryptionKey: keyEncryptionKey,
            expectedOwners: expectedOwners,
            options: options,
            progress: progress
        )
    }

    /// Unseals a sealed file held in memory; see ``unseal(contentsOf:keyEncryptionKey:expectedOwners:options:progress:)``.
    public static func unseal(
        sealedBytes: [UInt8],
        keyEncryptionKey: SecureBytes,
        expectedOwners: [SigningPublicKey],
        options: UnsealOptions = UnsealOptions(),
        progress: (SealingProgress) -> Void = { _ in }
    ) throws(SealedModelError) -> UnsealedModel {
        var source = SealedMemorySource(sealedBytes)
        return try unseal(
            from: &source,
            keyEncryptionKey: keyEncryptionKey,
            expectedOwners: expectedOwners,
            options: options,
            progress: progress
        )
    }

    static func unseal<Source: SealedByteSource>(
        from source: inout Source,
        keyEncryptionKey: SecureBytes,
        expectedOwners: [SigningPublicKey],
        options: UnsealOptions,
        progress: (SealingProgress) -> Void
    ) throws(SealedModelError) -> UnsealedModel {
        var region = SecureBytes(count: 0)
        let header = try unseal(
            from: &source,
            keyEncryptionKey: keyEncryptionKey,
            expectedOwners: expectedOwners,
            options: options,
            into: &region,
            progress: progress
        )
        return UnsealedModel(header: header, plaintext: region)
    }

    /// The unseal itself, into a region the caller owns (tests look at it after a failure): on success `region`
    /// holds the plaintext; on any failure after it was allocated it holds only zeros.
    package static func unseal<Source: SealedByteSource>(
        from source: inout Source,
        keyEncryptionKey: SecureBytes,
        expectedOwners: [SigningPublicKey],
        options: UnsealOptions,
        into region: inout SecureBytes,
        progress: (SealingProgress) -> Void
    ) throws(SealedModelError) -> Header {
        HeapTuning.keepLargeBuffersResident()
        let header = try source.readHeader()
        try header.verify(expectedOwners: expectedOwners)
        let manifest = header.manifest
        guard manifest.plaintextSize <= options.maximumPlaintextSize else {
            throw SealedModelError(
                .limitExceeded,
                "the model is \(manifest.plaintextSize) bytes, above the limit of \(options.maximumPlaintextSize)"
            )
        }
        let dataKey = try header.keyEnvelope.unwrap(
            keyEncryptionKey: keyEncryptionKey,
            manifestDigest: header.manifestDigest
        )
        let key = SymmetricKey(data: dataKey)

        region = SecureBytes(count: Int(manifest.plaintextSize))
        if case .notLocked(let code) = region.memoryLock {
            guard options.allowUnlockedMemory else {
                throw SealedModelError(
                    .memoryNotLocked,
                    "cannot lock \(manifest.plaintextSize) bytes into RAM (\(region.memoryLock), errno \(code)); "
                        + "raise RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK, or allow unlocked memory explicitly"
                )
            }
            log.warning(
                "unsealing into memory that is NOT locked (allowUnlockedMemory): weights may be swapped to disk",
                ["plaintext_bytes": .bytes(region.count)]
            )
        }
        do {
            try decryptChunks(
                from: &source,
                header: header,
                key: key,
                into: &region,
                progress: progress
            )
        } catch {
            region.zeroize()
            throw error
        }
        return header
    }

    private static func decryptChunks<Source: SealedByteSource>(
        from source: inout Source,
        header: Header,
        key: SymmetricKey,
        into region: inout SecureBytes,
        progress: (SealingProgress) -> Void
    ) throws(SealedModelError) {
        let manifest = header.manifest
        let count = manifest.chunkCount
        progress(SealingProgress(phase: .decrypting, completedBytes: 0, totalBytes: manifest.plaintextSize))
        // The SHA-256 runs on a second thread over each chunk already in the region, while the next one is read
        // and decrypted.
        let digest = try region.fillComputingSHA256 { (filler) throws(SealedModelError) in
            for index in 0..<count {
                var plaintext = try openChunk(index, from: &source, header: header, key: key)
                filler.moveIn(wiping: &plaintext)
                progress(
                    SealingProgress(
                        phase: .decrypting,
                        completedBytes: UInt64(filler.filled),
                        totalBytes: manifest.plaintextSize
                    )
                )
            }
            var rest = Data()
            guard try source.read(into: &rest, count: 1) == 0 else {
                throw SealedModelError(.trailingData, "bytes follow the final chunk (\(count) chunks declared)")
            }
        }
        guard Array(digest) == manifest.plaintextSHA256 else {
            throw SealedModelError(
                .digestMismatch,
                "every chunk verified, but the plaintext's SHA-256 is \(Hex.encode(digest)), not the signed "
                    + "\(Hex.encode(manifest.plaintextSHA256)): the file was encrypted by a holder of the data key "
                    + "for other weights"
            )
        }
    }

    /// Reads chunk `index`'s record, checks it, and returns its authenticated plaintext (ordinary heap memory
    /// the caller must move into the region and wipe).
    private static func openChunk<Source: SealedByteSource>(
        _ index: UInt64,
        from source: inout Source,
        header: Header,
        key: SymmetricKey
    ) throws(SealedModelError) -> Data {
        let manifest = header.manifest
        let count = manifest.chunkCount
        let chunk = Int(index)
        let length = manifest.plaintextLength(ofChunk: index)
        let recordLength = length + chunkOverhead
        // A fresh buffer per chunk, released as soon as AES-GCM has its own copy: at most two chunks (the sealed
        // box and the plaintext) are alive besides the region.
        var record = Data()
        let got = try source.read(into: &record, count: recordLength)
        guard got >= 12 else {
            throw SealedModelError(
                .truncated,
                chunk: chunk,
                got == 0
                    ? "the file ends before chunk \(chunk) (the manifest declares \(count) chunks)"
                    : "the file ends inside chunk \(chunk)'s nonce"
            )
        }
        try checkRecordNonce(record, index: index, header: header, sourceLength: source.length)
        guard got == recordLength else {
            throw SealedModelError(
                .truncated,
                chunk: chunk,
                "chunk \(chunk) is \(got) bytes long; the manifest declares \(recordLength)"
            )
        }
        do {
            // The record's nonce equals the one derived from the header and the position (checked above).
            let box = try AES.GCM.SealedBox(combined: record)
            record = Data()
            return try AES.GCM.open(
                box,
                using: key,
                authenticating: chunkAssociatedData(
                    manifestDigest: header.manifestDigest,
                    index: index,
                    isFinal: index == count - 1
                )
            )
        } catch {
            throw SealedModelError(
                .chunkAuthenticationFailed,
                chunk: chunk,
                "the AES-256-GCM tag does not verify: the chunk's ciphertext was altered, or it was encrypted "
                    + "for another position or file"
            )
        }
    }

    /// Checks a record's stored nonce against the one its position implies, to say precisely what went wrong.
    /// The stored nonce is only a diagnostic: what authenticates the position is the associated data.
    private static func checkRecordNonce(
        _ record: Data,
        index: UInt64,
        header: Header,
        sourceLength: UInt64?
    ) throws(SealedModelError) {
        let chunk = Int(index)
        let stored = Array(record.prefix(12))
        guard Array(stored[0..<8]) == header.manifest.noncePrefix else {
            throw SealedModelError(
                .chunkFromAnotherFile,
                chunk: chunk,
                "the record's nonce prefix \(Hex.encode(stored[0..<8])) is not this file's "
                    + "\(Hex.encode(header.manifest.noncePrefix)): the chunk was spliced in from another sealed file"
            )
        }
        let counter = stored[8..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard counter == index else {
            if counter > index, let sourceLength, sourceLength < header.sealedLength {
                throw SealedModelError(
                    .chunkMissing,
                    chunk: chunk,
                    "chunk \(chunk) is missing: chunk \(counter) stands in its place and the file is "
                        + "\(header.sealedLength - sourceLength) bytes short"
                )
            }
            throw SealedModelError(
                .chunkOutOfOrder,
                chunk: chunk,
                "the record at position \(chunk) is chunk \(counter): chunks were reordered or replayed"
            )
        }
    }
}
