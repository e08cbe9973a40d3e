import Foundation
import VeilKeys
import VeilTestSupport
import _VeilBytes

import VeilSealing

/// Keys, a scratch directory and helpers to seal test models with a small chunk size.
struct SealingFixture {
    let directory: URL
    let keyEncryptionKey: SecureBytes
    let owner: SigningPrivateKey
    let chunkSize: Int

    init(chunkSize: Int = 64, ownerKind: KeyKind = .ed25519) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-seal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        keyEncryptionKey = SecureBytes(randomCount: 32)
        owner = try SigningPrivateKey.generate(ownerKind)
        self.chunkSize = chunkSize
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func removeAll() { try? FileManager.default.removeItem(at: directory) }

    /// Seals `plaintext` and returns the sealed file's bytes.
    func seal(
        _ plaintext: [UInt8],
        name: String = "model",
        keyID: String = "default/veil-models/test@1",
        key: SecureBytes? = nil,
        signer: SigningPrivateKey? = nil
    ) throws -> [UInt8] {
        let source = path("\(name).bin")
        let destination = path("\(name).veil")
        try Data(plaintext).write(to: URL(fileURLWithPath: source))
        try SealedModel.seal(
            source,
            to: destination,
            keyEncryptionKey: key ?? keyEncryptionKey,
            keyID: keyID,
            signingKey: signer ?? owner,
            metadata: SealedModel.Metadata(modelName: name, sourceFileName: "\(name).bin", format: .other),
            chunkSize: chunkSize,
            overwrite: true
        )
        return Array(try Data(contentsOf: URL(fileURLWithPath: destination)))
    }

    /// Unseals in memory with the fixture's key and owner.
    func unseal(
        _ sealed: [UInt8],
        key: SecureBytes? = nil,
        owners: [SigningPublicKey]? = nil
    ) throws(SealedModelError) -> UnsealedModel {
        try SealedModel.unseal(
            sealedBytes: sealed,
            keyEncryptionKey: key ?? keyEncryptionKey,
            expectedOwners: owners ?? [owner.publicKey]
        )
    }

    /// Unseals into a region the test keeps, so it can check the region after a failure.
    func unsealKeepingRegion(_ sealed: [UInt8]) -> (SealedModelError?, SecureBytes) {
        var region = SecureBytes(count: 0)
        var source = SealedMemorySource(sealed)
        do {
            _ = try SealedModel.unseal(
                from: &source,
                keyEncryptionKey: keyEncryptionKey,
                expectedOwners: [owner.publicKey],
                options: SealedModel.UnsealOptions(),
                into: &region,
                progress: { _ in }
            )
            return (nil, region)
        } catch {
            return (error, region)
        }
    }

    /// Where chunk `index`'s record starts in a sealed file.
    static func recordOffset(_ sealed: [UInt8], chunk index: Int) throws -> Int {
        let header = try SealedModel.inspect(sealedBytes: sealed).header
        return header.encoded.count + index * (header.manifest.chunkSize + SealedModel.chunkOverhead)
    }

    /// The length of chunk `index`'s record.
    static func recordLength(_ sealed: [UInt8], chunk index: Int) throws -> Int {
        let manifest = try SealedModel.inspect(sealedBytes: sealed).header.manifest
        return manifest.plaintextLength(ofChunk: UInt64(index)) + SealedModel.chunkOverhead
    }
}

extension SecureBytes {
    /// Whether every byte is zero.
    var isAllZero: Bool { allSatisfy { $0 == 0 } }
}
