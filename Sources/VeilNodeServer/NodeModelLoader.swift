import Foundation
public import VeilInference
public import VeilKeys
public import VeilSealing
import _VeilKernels
public import _VeilBytes

/// Loads the node's model: a sealed model unsealed into locked memory and parsed there (the plaintext never
/// touches disk), or a plaintext file in development mode.
public enum NodeModelLoader {
    /// The key-encryption key from a key broker resource: the JSON bytes of an `aes256` key file
    /// (`{"kty":"oct","k":…}`), or the 32 raw key bytes. Transient copies are wiped.
    public static func keyEncryptionKey(fromResource resource: SecureBytes) throws(NodeModelError) -> SecureBytes {
        if resource.count == 32, resource.first != UInt8(ascii: "{") { return resource }
        guard resource.count <= 64 << 10 else { throw NodeModelError("the key resource is too large for a key file") }
        var data = Data(resource)
        defer { SecureMemory.wipe(&data) }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            object["kty"] as? String == "oct", let k = object["k"] as? String
        else {
            throw NodeModelError("the key resource is not an aes256 key file (a JWK with kty oct)")
        }
        guard var bytes = try? Base64URL.decode(k), bytes.count == 32 else {
            throw NodeModelError("the key resource's k is not 32 bytes of base64url")
        }
        return SecureBytes(wiping: &bytes)
    }

    /// Unseals `path` with `keyEncryptionKey` into one locked region and loads the language model from it. The
    /// model keeps the region alive; it is zeroised when the model is released.
    public static func loadSealed(
        path: String,
        keyEncryptionKey: SecureBytes,
        expectedOwners: [SigningPublicKey],
        allowUnlockedMemory: Bool = false
    ) throws -> (model: LanguageModel, manifest: SealedModel.Manifest) {
        let unsealed = try SealedModel.unseal(
            contentsOf: path,
            keyEncryptionKey: keyEncryptionKey,
            expectedOwners: expectedOwners,
            options: SealedModel.UnsealOptions(allowUnlockedMemory: allowUnlockedMemory)
        )
        let model = try LanguageModel(gguf: GGUFFile(region: ByteRegion(secureBytes: unsealed.plaintext)))
        return (model, unsealed.manifest)
    }
}

/// The node's model could not be obtained.
public struct NodeModelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    /// Always `modelUnavailable`.
    public var code: String { "modelUnavailable" }
    init(_ description: String) { self.description = description }
}
