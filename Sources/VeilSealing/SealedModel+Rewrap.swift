import Foundation
public import VeilKeys
public import _VeilBytes

extension SealedModel {
    /// Rotates the key-encryption key of a sealed file: unwraps the data key with `currentKey`, wraps it under
    /// `newKey` with identifier `newKeyID`, re-signs the header and copies the encrypted chunks unchanged.
    ///
    /// The chunks are neither decrypted nor re-encrypted: their associated data binds the manifest digest, which
    /// excludes the key envelope. `signingKey` must be the owner key the manifest names. The result is written
    /// to a temporary file and renamed to `destinationPath` (which may be the source itself when `overwrite`).
    @discardableResult
    public static func rewrap(
        _ sourcePath: String,
        to destinationPath: String,
        currentKey: SecureBytes,
        newKey: SecureBytes,
        newKeyID: String,
        signingKey: SigningPrivateKey,
        overwrite: Bool = false,
        progress: (SealingProgress) -> Void = { _ in }
    ) throws(SealedModelError) -> Header {
        var source = try SealedFileSource(path: sourcePath)
        let header = try source.readHeader()
        try header.verify(expectedOwners: [signingKey.publicKey])
        let dataKey = try header.keyEnvelope.unwrap(keyEncryptionKey: currentKey, manifestDigest: header.manifestDigest)
        let envelope = try KeyEnvelope.wrap(
            dataKey: dataKey,
            keyEncryptionKey: newKey,
            keyID: newKeyID,
            manifestDigest: header.manifestDigest
        )
        let rewrapped = try Header.sign(manifest: header.manifest, keyEnvelope: envelope, signingKey: signingKey)
        guard rewrapped.manifestDigest == header.manifestDigest else {
            throw SealedModelError(.malformedHeader, "the manifest does not re-encode to the same bytes")
        }

        let writer = try createWriter(destinationPath, mode: 0o644, overwrite: overwrite)
        try write(writer, rewrapped.encoded)
        let total = header.manifest.chunksLength
        var copied: UInt64 = 0
        var buffer = Data()
        progress(SealingProgress(phase: .copying, completedBytes: 0, totalBytes: total))
        while copied < total {
            let want = Int(min(UInt64(defaultChunkSize), total - copied))
            let got = try source.read(into: &buffer, count: want)
            guard got == want else {
                throw SealedModelError(.truncated, "the sealed file ends \(total - copied - UInt64(got)) bytes early")
            }
            try write(writer, buffer)
            copied += UInt64(got)
            progress(SealingProgress(phase: .copying, completedBytes: copied, totalBytes: total))
        }
        guard try source.read(into: &buffer, count: 1) == 0 else {
            throw SealedModelError(.trailingData, "bytes follow the final chunk")
        }
        do {
            try writer.commit()
        } catch {
            throw SealedModelError(.unwritable, error.description)
        }
        return rewrapped
    }
}
