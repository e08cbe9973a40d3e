import Crypto
import Foundation
import Testing
import VeilKeys
import _VeilBytes

import VeilSealing

/// A checked-in sealed file with its keys and intermediate values, for other implementations and to keep the
/// format stable. `VEIL_WRITE_VECTORS=1 swift test --filter SealedModelVector` regenerates it (only on purpose:
/// a change means the format changed).
@Suite("Sealed models: test vector")
struct SealedModelVectorTests {
    struct Vector: Codable {
        var description: String
        var keyEncryptionKey: String
        var ownerAlgorithm: String
        var ownerPrivateKey: String
        var ownerPublicKey: String
        var chunkSize: Int
        var plaintext: String
        var dataKey: String
        var manifestDigest: String
        var headerLength: Int
        var sealed: String
    }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Vectors/sealed-model-v1.json")

    @Test("the checked-in vector unseals, and its chunks follow the documented nonce and associated data")
    func vector() throws {
        if ProcessInfo.processInfo.environment["VEIL_WRITE_VECTORS"] == "1" { try Self.write() }
        let vector = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: Self.url))
        let sealed = try Hex.decode(vector.sealed)
        let kek = SecureBytes(try Hex.decode(vector.keyEncryptionKey))
        let owner = SigningPublicKey.ed25519(
            try Curve25519.Signing.PublicKey(rawRepresentation: try Hex.decode(vector.ownerPublicKey))
        )
        let unsealed = try SealedModel.unseal(sealedBytes: sealed, keyEncryptionKey: kek, expectedOwners: [owner])
        #expect(Array(unsealed.plaintext) == (try Hex.decode(vector.plaintext)))
        #expect(Hex.encode(unsealed.header.manifestDigest) == vector.manifestDigest)
        #expect(unsealed.header.encoded.count == 14 + vector.headerLength)

        // Recompute what docs/formats/sealed-model.md specifies, independently of the library's helpers.
        let headerEnd = 14 + vector.headerLength
        let manifestLength = sealed[14..<18].reduce(0) { $0 << 8 | Int($1) }
        let digest = Array(SHA256.hash(data: Array(sealed[0..<10]) + Array(sealed[14..<(18 + manifestLength)])))
        #expect(Hex.encode(digest) == vector.manifestDigest)
        let noncePrefix = Array(sealed[(18 + 16 + 1 + 4 + 8 + 32)..<(18 + 16 + 1 + 4 + 8 + 32 + 8)])
        let plaintext = try Hex.decode(vector.plaintext)
        let dataKey = SymmetricKey(data: try Hex.decode(vector.dataKey))
        let count = max(1, (plaintext.count + vector.chunkSize - 1) / vector.chunkSize)
        var offset = headerEnd
        var recovered: [UInt8] = []
        for index in 0..<count {
            let length = min(vector.chunkSize, plaintext.count - index * vector.chunkSize)
            let record = Array(sealed[offset..<(offset + 12 + length + 16)])
            let nonce = noncePrefix + [0, 0, 0, UInt8(index)]
            #expect(Array(record[0..<12]) == nonce)
            let aad = digest + [0, 0, 0, 0, 0, 0, 0, UInt8(index)] + [index == count - 1 ? 1 : 0]
            let box = try AES.GCM.SealedBox(combined: record)
            recovered += Array(try AES.GCM.open(box, using: dataKey, authenticating: aad))
            offset += record.count
        }
        #expect(offset == sealed.count)
        #expect(recovered == plaintext)
    }

    /// Seals a fixed plaintext with fixed keys (the data key, ids and nonces are random) and writes the vector.
    static func write() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "veil-vector-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let kekBytes = (0..<32).map { UInt8($0) }
        let ownerSeed = (0..<32).map { UInt8(0xA0 + $0 % 16) }
        let owner = SigningPrivateKey.ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: ownerSeed))
        let plaintext = Array(String(repeating: "veil sealed model v1 ", count: 5).utf8)
        let source = directory.appendingPathComponent("vector.bin").path
        let destination = directory.appendingPathComponent("vector.veil").path
        try Data(plaintext).write(to: URL(fileURLWithPath: source))
        let header = try SealedModel.seal(
            source,
            to: destination,
            keyEncryptionKey: SecureBytes(kekBytes),
            keyID: "default/veil-models/vector@1",
            signingKey: owner,
            metadata: SealedModel.Metadata(modelName: "vector", sourceFileName: "vector.bin", format: .other),
            chunkSize: 32
        )
        let dataKey = try header.keyEnvelope.unwrap(
            keyEncryptionKey: SecureBytes(kekBytes),
            manifestDigest: header.manifestDigest
        )
        let vector = Vector(
            description: "Sealed model format v1 (docs/formats/sealed-model.md): Ed25519 owner, 32-byte chunks, "
                + "4 chunks (32, 32, 32, 9 bytes). All byte strings are hex.",
            keyEncryptionKey: Hex.encode(kekBytes),
            ownerAlgorithm: "Ed25519",
            ownerPrivateKey: Hex.encode(ownerSeed),
            ownerPublicKey: Hex.encode(owner.publicKey.rawBytes),
            chunkSize: 32,
            plaintext: Hex.encode(plaintext),
            dataKey: Hex.encode(Array(dataKey)),
            manifestDigest: Hex.encode(header.manifestDigest),
            headerLength: header.encoded.count - 14,
            sealed: Hex.encode(Array(try Data(contentsOf: URL(fileURLWithPath: destination))))
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(vector).write(to: url)
    }
}
