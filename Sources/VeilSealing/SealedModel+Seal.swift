import Foundation
public import VeilKeys
import Crypto
public import _VeilBytes

extension SealedModel {
    /// Seals the model file at `sourcePath` into a new sealed file at `destinationPath`, streaming in chunks.
    ///
    /// The source is read twice — first to compute its SHA-256 (the signed header carries it, and every chunk's
    /// associated data binds the header), then to encrypt it — so it must be a regular file that does not change
    /// meanwhile (a change is detected and refused). Memory stays at a few chunks whatever the model's size. The
    /// output is written to a temporary file and renamed into place only when complete. The first call raises
    /// glibc's allocator thresholds (``HeapTuning``) so chunk buffers are reused, not faulted in anew.
    ///
    /// - Parameters:
    ///   - keyEncryptionKey: the 32-byte key the key broker will release (the KBS resource). It wraps a fresh
    ///     random data key; the data key encrypts the chunks.
    ///   - keyID: the key-encryption key's identifier, e.g. its KBS resource path and version.
    ///   - signingKey: the owner's key; its public half is recorded in the manifest.
    ///   - chunkSize: plaintext bytes per chunk, 1 byte to 64 MiB (default 4 MiB).
    ///   - progress: called after each chunk of each pass.
    /// - Returns: the header written.
    @discardableResult
    public static func seal(
        _ sourcePath: String,
        to destinationPath: String,
        keyEncryptionKey: SecureBytes,
        keyID: String,
        signingKey: SigningPrivateKey,
        metadata: Metadata,
        chunkSize: Int = defaultChunkSize,
        overwrite: Bool = false,
        progress: (SealingProgress) -> Void = { _ in }
    ) throws(SealedModelError) -> Header {
        guard chunkSize >= 1, chunkSize <= maximumChunkSize else {
            throw SealedModelError(.limitExceeded, "chunk size \(chunkSize) is outside 1...\(maximumChunkSize) bytes")
        }
        try KeyEnvelope.checkKeyID(keyID)
        HeapTuning.keepLargeBuffersResident()
        guard keyEncryptionKey.count == 32 else {
            throw SealedModelError(.invalidArgument, "the key-encryption key must be 32 bytes (aes256)")
        }
        let reader: FileStreamReader
        do {
            reader = try FileStreamReader(path: sourcePath)
        } catch {
            throw SealedModelError(.unreadable, error.description)
        }
        guard let before = reader.regularFileStatus() else {
            throw SealedModelError(.invalidArgument, "\(sourcePath) is not a regular file; sealing reads it twice")
        }
        let chunks = before.size == 0 ? 1 : (before.size + UInt64(chunkSize) - 1) / UInt64(chunkSize)
        guard chunks <= maximumChunkCount else {
            throw SealedModelError(.limitExceeded, "\(chunks) chunks exceed \(maximumChunkCount); use larger chunks")
        }

        var buffer = Data()
        defer { SecureMemory.wipe(&buffer) }

        // Pass 1: the plaintext digest.
        var hasher = SHA256()
        var digested: UInt64 = 0
        progress(SealingProgress(phase: .digesting, completedBytes: 0, totalBytes: before.size))
        while true {
            let got = try read(reader, into: &buffer, count: chunkSize)
            if got == 0 { break }
            hasher.update(data: buffer)
            digested += UInt64(got)
            progress(SealingProgress(phase: .digesting, completedBytes: digested, totalBytes: before.size))
        }
        guard digested == before.size else {
            throw SealedModelError(.sourceChanged, "\(sourcePath) changed size while it was read")
        }

        // The header: fresh data key, file id and nonce prefix; wrapped key; signature.
        let dataKey = SecureBytes(randomCount: 32)
        let manifest = Manifest(
            fileID: Array(SecureBytes(randomCount: Manifest.fileIDLength)),
            chunkSize: chunkSize,
            plaintextSize: digested,
            plaintextSHA256: Array(hasher.finalize()),
            noncePrefix: Array(SecureBytes(randomCount: Manifest.noncePrefixLength)),
            createdAt: Int64(Date().timeIntervalSince1970),
            metadata: metadata,
            owner: signingKey.publicKey
        )
        let manifestDigest = manifestDigest(manifestSection: ArraySlice(try manifestSection(manifest)))
        let envelope = try KeyEnvelope.wrap(
            dataKey: dataKey,
            keyEncryptionKey: keyEncryptionKey,
            keyID: keyID,
            manifestDigest: manifestDigest
        )
        let header = try Header.sign(manifest: manifest, keyEnvelope: envelope, signingKey: signingKey)

        // Pass 2: encrypt.
        let writer = try createWriter(destinationPath, mode: 0o644, overwrite: overwrite)
        try write(writer, header.encoded)
        do {
            try reader.seek(to: 0)
        } catch {
            throw SealedModelError(.unreadable, error.description)
        }
        let key = SymmetricKey(data: dataKey)
        var encrypted: UInt64 = 0
        progress(SealingProgress(phase: .encrypting, completedBytes: 0, totalBytes: manifest.plaintextSize))
        for index in 0..<manifest.chunkCount {
            let length = manifest.plaintextLength(ofChunk: index)
            let got = try read(reader, into: &buffer, count: length)
            guard got == length else {
                throw SealedModelError(.sourceChanged, chunk: Int(index), "\(sourcePath) shrank while it was sealed")
            }
            let record = try sealChunk(
                buffer,
                index: index,
                manifest: manifest,
                manifestDigest: header.manifestDigest,
                key: key
            )
            try write(writer, record)
            encrypted += UInt64(length)
            progress(SealingProgress(phase: .encrypting, completedBytes: encrypted, totalBytes: manifest.plaintextSize))
        }
        let extra = try read(reader, into: &buffer, count: 1)
        guard extra == 0, let after = reader.regularFileStatus(), after == before else {
            throw SealedModelError(.sourceChanged, "\(sourcePath) changed while it was sealed; seal it again")
        }
        do {
            try writer.commit()
        } catch {
            throw SealedModelError(.unwritable, error.description)
        }
        return header
    }

    /// The manifest section as it appears in the header (length, then bytes), for the digest.
    static func manifestSection(_ manifest: Manifest) throws(SealedModelError) -> [UInt8] {
        let bytes = try manifest.encoded()
        var writer = ByteWriter(capacity: bytes.count + 4)
        writer.write(UInt32(bytes.count), .big)
        writer.write(contentsOf: bytes)
        return writer.bytes
    }

    // MARK: I/O with typed errors

    static func read(_ reader: FileStreamReader, into buffer: inout Data, count: Int) throws(SealedModelError) -> Int {
        do {
            return try reader.read(into: &buffer, count: count)
        } catch {
            throw SealedModelError(.unreadable, error.description)
        }
    }

    static func createWriter(_ path: String, mode: mode_t, overwrite: Bool) throws(SealedModelError) -> AtomicFileWriter
    {
        do {
            return try AtomicFileWriter(path: path, mode: mode, overwrite: overwrite)
        } catch {
            throw SealedModelError(.unwritable, error.description)
        }
    }

    static func write<D: ContiguousBytes>(_ writer: AtomicFileWriter, _ bytes: D) throws(SealedModelError) {
        do {
            try writer.write(bytes)
        } catch {
            throw SealedModelError(.unwritable, error.description)
        }
    }
}
