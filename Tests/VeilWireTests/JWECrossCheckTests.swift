import Crypto
import Foundation
import Testing
import VeilWire
import VeilTestSupport
import _CryptoExtras
import _VeilBytes

/// Cross-checks Veil's JWE with an independent implementation written from the RFC text in Python's
/// `cryptography` package (Tests/Scripts/jwe_crosscheck.py), both directions, both key types. Requires python3
/// with `cryptography` (scripts/bootstrap installs it); without it these tests fail, they do not skip.
@Suite("JWE cross-check with Python cryptography")
struct JWECrossCheckTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/jwe_crosscheck.py").path
    }

    static func python(_ mode: String, _ request: [String: Any]) throws -> [String: Any] {
        let input = try JSONSerialization.data(withJSONObject: request)
        let result = try VeilProcess.run(tool: "python3", [script, mode], input: Array(input))
        guard result.exitCode == 0 else {
            Issue.record("jwe_crosscheck.py \(mode) failed (\(result.exitCode)): \(result.standardError)")
            throw CancellationError()
        }
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
        return try #require(object as? [String: Any])
    }

    static let message = Array("model-kek: 32 bytes of key \u{00}\u{01}\u{02} and more text".utf8)

    @Test func ecSwiftSealsPythonOpens() throws {
        let privateKey = P256.KeyAgreement.PrivateKey()
        let teeKey = KBS.TEEKey(p256: privateKey)
        let jwe = try JWE.seal(plaintext: Self.message, to: teeKey.publicJWK)
        let jweObject = try JSONSerialization.jsonObject(with: Data(jwe.json()))
        let reply = try Self.python(
            "open",
            [
                "key": ["kty": "EC", "d": Base64URL.encode(Array(privateKey.rawRepresentation))],
                "jwe": jweObject,
            ]
        )
        #expect(try Base64URL.decode(reply["plaintext"] as? String ?? "") == Self.message)
    }

    @Test func ecPythonSealsSwiftOpens() throws {
        let teeKey = KBS.TEEKey.generateP256()
        let reply = try Self.python(
            "seal",
            ["jwk": teeKey.publicJWK.members, "plaintext": Base64URL.encode(Self.message)]
        )
        // Python's JWE carries apu/apv, which the Concat KDF must include.
        let json = try JSONSerialization.data(withJSONObject: reply)
        let header = try JSONSerialization.jsonObject(
            with: Data(Base64URL.decode(reply["protected"] as? String ?? ""))
        )
        #expect((header as? [String: Any])?["apu"] != nil)
        #expect(Array(try JWE.open(Array(json), with: teeKey)) == Self.message)
    }

    @Test func rsaSwiftSealsPythonOpens() throws {
        let privateKey = try _RSA.Encryption.PrivateKey(keySize: .bits3072)
        let teeKey = try KBS.TEEKey(rsa: privateKey)
        let jwe = try JWE.seal(plaintext: Self.message, to: teeKey.publicJWK)
        let reply = try Self.python(
            "open",
            [
                "key": ["kty": "RSA", "der": Base64URL.encode(Array(privateKey.derRepresentation))],
                "jwe": try JSONSerialization.jsonObject(with: Data(jwe.json())),
            ]
        )
        #expect(try Base64URL.decode(reply["plaintext"] as? String ?? "") == Self.message)
    }

    @Test func rsaPythonSealsSwiftOpens() throws {
        let teeKey = try KBS.TEEKey.generateRSA(bits: 2048)
        let reply = try Self.python(
            "seal",
            ["jwk": teeKey.publicJWK.members, "plaintext": Base64URL.encode(Self.message)]
        )
        let json = try JSONSerialization.data(withJSONObject: reply)
        #expect(Array(try JWE.open(Array(json), with: teeKey)) == Self.message)
    }
}
