import Foundation
import Testing
import VeilInference
import VeilKeys
import VeilNodeServer
import VeilSealing
import VeilTestSupport
import _VeilBytes

@Suite("Node model loading")
struct NodeModelLoaderTests {
    @Test("a sealed model unseals into memory with a KEK from a key-file resource and generates like the plaintext")
    func sealedModel() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-node-seal-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("tiny.gguf").path
        try Data(TinyModels.llama()).write(to: URL(fileURLWithPath: plain))
        let kekPath = directory.appendingPathComponent("kek.jwk").path
        let ownerPath = directory.appendingPathComponent("owner.jwk").path
        try KeyFile.generate(.aes256, at: kekPath)
        try KeyFile.generate(.ed25519, at: ownerPath)
        let sealed = directory.appendingPathComponent("tiny.veil").path
        try SealedModel.seal(
            plain,
            to: sealed,
            keyEncryptionKey: try KeyFile.readSymmetricKey(kekPath),
            keyID: "default/model/tiny",
            signingKey: try KeyFile.readSigningKey(ownerPath),
            metadata: SealedModel.Metadata(modelName: "tiny", sourceFileName: "tiny.gguf", format: .gguf),
            chunkSize: 4096
        )
        // What a key broker releases: the key file's JSON bytes.
        let resource = SecureBytes(Array(try Data(contentsOf: URL(fileURLWithPath: kekPath))))
        let kek = try NodeModelLoader.keyEncryptionKey(fromResource: resource)
        #expect(kek == (try KeyFile.readSymmetricKey(kekPath)))
        let (model, manifest) = try NodeModelLoader.loadSealed(
            path: sealed,
            keyEncryptionKey: kek,
            expectedOwners: [try KeyFile.readPublicKey(ownerPath + ".pub")],
            allowUnlockedMemory: true
        )
        #expect(manifest.metadata.modelName == "tiny")
        var parameters = SamplingParameters(maxTokens: 6)
        parameters.temperature = 0
        let prompt = model.tokenize("the tin")
        let fromSealed = try await model.complete(prompt, parameters: parameters)
        let fromPlain = try await NodeHarness.model.complete(prompt, parameters: parameters)
        #expect(fromSealed.tokens == fromPlain.tokens)

        #expect(throws: NodeModelError.self) {
            try NodeModelLoader.keyEncryptionKey(fromResource: SecureBytes(Array(#"{"kty":"EC"}"#.utf8)))
        }
        // The wrong key is refused by the unseal.
        let other = directory.appendingPathComponent("other.jwk").path
        try KeyFile.generate(.aes256, at: other)
        #expect(throws: SealedModelError.self) {
            _ = try NodeModelLoader.loadSealed(
                path: sealed,
                keyEncryptionKey: try KeyFile.readSymmetricKey(other),
                expectedOwners: [try KeyFile.readPublicKey(ownerPath + ".pub")],
                allowUnlockedMemory: true
            )
        }
    }
}
