import Foundation
import Testing
import VeilKeys
import _VeilBytes

/// RFC 8037 Appendix A, verbatim: A.1 private key, A.2 public key, A.3 thumbprint, A.4 JWS signing.
private enum RFC8037 {
    static let privateJWK = #"""
        {"kty":"OKP","crv":"Ed25519",
         "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
         "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
        """#
    static let publicX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    static let thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    static let signingInput = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    static let signature = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
}

/// A scratch directory removed when the test ends.
private struct Scratch: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("veil-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite("Key files (JWK, RFC 7517 / 7638 / 8037)")
struct KeyFileTests {
    @Test("RFC 8037 A.1–A.4: the Ed25519 JWK, its thumbprint and its deterministic JWS signature")
    func rfc8037() throws {
        let jwk = try JSONDecoder().decode(JWK.self, from: Data(RFC8037.privateJWK.utf8))
        let key = try SigningPrivateKey(jwk: jwk)
        #expect(key.publicKey.jwk.x == RFC8037.publicX)
        #expect(try jwk.publicKey.thumbprint() == RFC8037.thumbprint)
        #expect(key.publicKey.thumbprint == RFC8037.thumbprint)
        let signature = try key.signature(for: Array(RFC8037.signingInput.utf8))
        #expect(Base64URL.encode(signature) == RFC8037.signature)
        #expect(
            key.publicKey.isValidSignature(
                try Base64URL.decode(RFC8037.signature),
                for: Array(RFC8037.signingInput.utf8)
            )
        )
    }

    @Test(
        "generated keys round-trip through their files, with 0600 private and 0644 public modes",
        arguments: KeyKind.allCases
    )
    func roundTrip(kind: KeyKind) throws {
        let scratch = try Scratch()
        let path = scratch.path("key.jwk")
        let generated = try KeyFile.generate(kind, at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        switch kind {
        case .aes256:
            #expect(generated.publicPath == nil)
            #expect(try KeyFile.readSymmetricKey(path).count == 32)
            #expect(!FileManager.default.fileExists(atPath: path + ".pub"))
        case .ed25519, .p256:
            let publicPath = try #require(generated.publicPath)
            let publicAttributes = try FileManager.default.attributesOfItem(atPath: publicPath)
            #expect((publicAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o644)
            let privateKey = try KeyFile.readSigningKey(path)
            let publicKey = try KeyFile.readPublicKey(publicPath)
            #expect(privateKey.publicKey == publicKey)
            #expect(publicKey.thumbprint == generated.keyID)
            #expect(try KeyFile.readJWK(publicPath).isPrivate == false)
            let message = Array("sealed model header".utf8)
            let signature = try privateKey.signature(for: message)
            #expect(signature.count == 64)
            #expect(publicKey.isValidSignature(signature, for: message))
            #expect(!publicKey.isValidSignature(signature, for: message + [0]))
            // A public key file cannot stand in for the private key.
            let error = #expect(throws: KeyFileError.self) { try KeyFile.readSigningKey(publicPath) }
            #expect(error?.code == .wrongKind)
        }
    }

    @Test("existing files are never overwritten without asking")
    func noClobber() throws {
        let scratch = try Scratch()
        let path = scratch.path("owner.jwk")
        try KeyFile.generate(.ed25519, at: path)
        let before = try KeyFile.readJWK(path)
        let error = #expect(throws: KeyFileError.self) { try KeyFile.generate(.ed25519, at: path) }
        #expect(error?.code == .alreadyExists)
        #expect(try KeyFile.readJWK(path) == before)
        try KeyFile.generate(.ed25519, at: path, overwrite: true)
        #expect(try KeyFile.readJWK(path) != before)
    }

    @Test("a private key file readable by others is refused")
    func insecurePermissions() throws {
        let scratch = try Scratch()
        let path = scratch.path("model.key")
        try KeyFile.generate(.aes256, at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let error = #expect(throws: KeyFileError.self) { try KeyFile.readSymmetricKey(path) }
        #expect(error?.code == .insecurePermissions)
    }

    @Test(
        "malformed key files give typed errors",
        arguments: [
            ("not json", KeyFileError.Code.malformed),
            (#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#, .malformed),
            (#"{"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#, .malformed),
            (#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR"}"#, .malformed),
            (#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="}"#, .malformed),
            (#"{"kty":"OKP","crv":"Ed25519"}"#, .malformed),
            (#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#, .malformed),
            (#"{"kty":"oct","k":"AAAA"}"#, .malformed),
            // A private key whose d does not belong to x (d from RFC 8037, x of another key).
            (
                #"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"UMbI1PtyBb7GEJNKy34OaEwUnTi3ioVFgD2oYzN9dos"}"#,
                .malformed
            ),
        ]
    )
    func malformed(text: String, code: KeyFileError.Code) throws {
        let scratch = try Scratch()
        let path = scratch.path("bad.jwk")
        #expect(
            FileManager.default.createFile(
                atPath: path,
                contents: Data(text.utf8),
                attributes: [.posixPermissions: 0o600]
            )
        )
        let error = #expect(throws: KeyFileError.self) { try KeyFile.read(path) }
        #expect(error?.code == code, "\(String(describing: error))")
        #expect(error?.path == path)
    }

    @Test("a missing file is unreadable, with its path in the message")
    func missing() {
        let error = #expect(throws: KeyFileError.self) { try KeyFile.read("/nonexistent/veil.jwk") }
        #expect(error?.code == .unreadable)
        #expect(error?.description.contains("/nonexistent/veil.jwk") == true)
    }
}
