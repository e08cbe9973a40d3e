import Crypto
import Foundation
import Testing
import VeilWire
import _VeilBytes

@Suite("JWE seal and open")
struct JWETests {
    static let ecKey = KBS.TEEKey.generateP256()
    static let rsaKey: KBS.TEEKey = {
        do { return try KBS.TEEKey.generateRSA(bits: 3072) } catch { fatalError("RSA key generation: \(error)") }
    }()

    static func plaintext(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    @Test(arguments: [0, 1, 32, 1000, 100_000])
    func ecRoundTrip(size: Int) throws {
        let message = Self.plaintext(size)
        let jwe = try JWE.seal(plaintext: message, to: Self.ecKey.publicJWK)
        let opened = try JWE.open(jwe.json(), with: Self.ecKey)
        #expect(Array(opened) == message)
        let header = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(jwe.protected))) as? [String: Any]
        #expect(header?["alg"] as? String == "ECDH-ES+A256KW")
        #expect(header?["enc"] as? String == "A256GCM")
        let epk = header?["epk"] as? [String: String]
        #expect(epk?["kty"] == "EC" && epk?["crv"] == "P-256")
        #expect(try Base64URL.decode(jwe.encryptedKey).count == 40)
        #expect(try Base64URL.decode(jwe.iv).count == 12)
        #expect(try Base64URL.decode(jwe.tag).count == 16)
        #expect(try Base64URL.decode(jwe.ciphertext).count == size)
    }

    @Test(arguments: [0, 32, 5000])
    func rsaRoundTrip(size: Int) throws {
        let message = Self.plaintext(size)
        let jwe = try JWE.seal(plaintext: message, to: Self.rsaKey.publicJWK)
        #expect(Array(try JWE.open(jwe.json(), with: Self.rsaKey)) == message)
        let header = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(jwe.protected))) as? [String: Any]
        #expect(header?["alg"] as? String == "RSA-OAEP-256")
        #expect(try Base64URL.decode(jwe.encryptedKey).count == 384)
    }

    @Test func eachSealIsFresh() throws {
        let a = try JWE.seal(plaintext: Self.plaintext(32), to: Self.ecKey.publicJWK)
        let b = try JWE.seal(plaintext: Self.plaintext(32), to: Self.ecKey.publicJWK)
        #expect(a.protected != b.protected)  // a new ephemeral key
        #expect(a.iv != b.iv)
        #expect(a.encryptedKey != b.encryptedKey)
    }

    /// Flips one bit in the decoded bytes of a base64url member.
    static func flip(_ text: String, at index: Int = 0) throws -> String {
        var bytes = try Base64URL.decode(text)
        bytes[index % bytes.count] ^= 0x01
        return Base64URL.encode(bytes)
    }

    @Test(arguments: ["ec", "rsa"])
    func tamperingWithEveryMemberFails(kind: String) throws {
        let key = kind == "ec" ? Self.ecKey : Self.rsaKey
        let jwe = try JWE.seal(plaintext: Self.plaintext(64), to: key.publicJWK)
        var cases: [(String, JWE)] = []
        var copy = jwe
        copy.encryptedKey = try Self.flip(jwe.encryptedKey, at: 5)
        cases.append(("encrypted_key", copy))
        copy = jwe
        copy.iv = try Self.flip(jwe.iv)
        cases.append(("iv", copy))
        copy = jwe
        copy.ciphertext = try Self.flip(jwe.ciphertext, at: 63)
        cases.append(("ciphertext", copy))
        copy = jwe
        copy.tag = try Self.flip(jwe.tag, at: 15)
        cases.append(("tag", copy))
        copy = jwe
        copy.aad = Base64URL.encode(Array("added".utf8))
        cases.append(("aad", copy))
        // The protected header re-encoded with an extra member: still valid JSON, but the AAD changed.
        var header = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(jwe.protected))) as! [String: Any]
        header["kid"] = "x"
        copy = jwe
        copy.protected = Base64URL.encode(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        cases.append(("protected", copy))
        for (member, tampered) in cases {
            let error = #expect(throws: KBSProtocolError.self, "\(member)") { try tampered.open(with: key) }
            #expect(error?.code == .decryptionFailed, "\(member): \(String(describing: error))")
        }
        // Untouched, it still opens.
        #expect(Array(try jwe.open(with: key)) == Self.plaintext(64))
    }

    @Test func tamperedEphemeralKeyFails() throws {
        let jwe = try JWE.seal(plaintext: Self.plaintext(16), to: Self.ecKey.publicJWK)
        var header = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(jwe.protected))) as! [String: Any]
        // Another valid point: the KDF yields another KEK, so the key unwrap fails.
        header["epk"] = KBS.TEEKey.generateP256().publicJWK.members.filter { $0.key != "alg" }
        var copy = jwe
        copy.protected = Base64URL.encode(try JSONSerialization.data(withJSONObject: header))
        #expect(throws: KBSProtocolError(.decryptionFailed, "the JWE does not decrypt with this key")) {
            try copy.open(with: Self.ecKey)
        }
        // A point off the curve is malformed.
        var bad = header["epk"] as! [String: String]
        bad["y"] = bad["x"]
        header["epk"] = bad
        copy.protected = Base64URL.encode(try JSONSerialization.data(withJSONObject: header))
        #expect(throws: KBSProtocolError.self) { try copy.open(with: Self.ecKey) }
    }

    @Test func wrongKeyFails() throws {
        let ecJWE = try JWE.seal(plaintext: Self.plaintext(32), to: Self.ecKey.publicJWK)
        let other = #expect(throws: KBSProtocolError.self) { try ecJWE.open(with: KBS.TEEKey.generateP256()) }
        #expect(other?.code == .decryptionFailed)
        let crossType = #expect(throws: KBSProtocolError.self) { try ecJWE.open(with: Self.rsaKey) }
        #expect(crossType?.code == .unsupportedJWE)

        let rsaJWE = try JWE.seal(plaintext: Self.plaintext(32), to: Self.rsaKey.publicJWK)
        let otherRSA = try KBS.TEEKey.generateRSA(bits: 3072)
        let wrong = #expect(throws: KBSProtocolError.self) { try rsaJWE.open(with: otherRSA) }
        #expect(wrong?.code == .decryptionFailed)
        let crossType2 = #expect(throws: KBSProtocolError.self) { try rsaJWE.open(with: Self.ecKey) }
        #expect(crossType2?.code == .unsupportedJWE)
    }

    @Test func truncatedInputFails() throws {
        let json = try JWE.seal(plaintext: Self.plaintext(48), to: Self.ecKey.publicJWK).json()
        for length in stride(from: 0, to: json.count, by: 7) {
            #expect(throws: KBSProtocolError.self, "prefix \(length)") {
                try JWE.open(json[0..<length], with: Self.ecKey)
            }
        }
        let jwe = try JWE(json: json)
        func truncated(_ keyPath: WritableKeyPath<JWE, String>, dropping count: Int) -> JWE {
            var copy = jwe
            copy[keyPath: keyPath] = String(copy[keyPath: keyPath].dropLast(count))
            return copy
        }
        let members: [(String, WritableKeyPath<JWE, String>)] = [
            ("protected", \.protected), ("encrypted_key", \.encryptedKey), ("iv", \.iv),
            ("ciphertext", \.ciphertext), ("tag", \.tag),
        ]
        for (name, keyPath) in members {
            for count in [1, 2, 4] {
                #expect(throws: KBSProtocolError.self, "\(name) - \(count)") {
                    try truncated(keyPath, dropping: count).open(with: Self.ecKey)
                }
            }
        }
        var empty = jwe
        empty.ciphertext = ""
        #expect(throws: KBSProtocolError.self) { try empty.open(with: Self.ecKey) }
    }

    @Test func strictParsing() throws {
        let jwe = try JWE.seal(plaintext: Self.plaintext(8), to: Self.ecKey.publicJWK)
        var object = try JSONSerialization.jsonObject(with: Data(jwe.json())) as! [String: Any]
        object["header"] = ["kid": "x"]
        let withHeader = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: KBSProtocolError(.unsupportedJWE, "unprotected header parameters are not accepted")) {
            try JWE(json: Array(withHeader))
        }
        object["header"] = nil
        object["recipients"] = []
        #expect(throws: KBSProtocolError.self) {
            try JWE(json: Array(try JSONSerialization.data(withJSONObject: object)))
        }
        object["recipients"] = nil
        object["iv"] = 12
        #expect(throws: KBSProtocolError.self) {
            try JWE(json: Array(try JSONSerialization.data(withJSONObject: object)))
        }
        #expect(throws: KBSProtocolError.self) { try JWE(json: Array("[]".utf8)) }
        #expect(throws: KBSProtocolError.self) { try JWE(json: [UInt8](repeating: 0x20, count: JWE.maximumSize + 1)) }

        // Header parameters Veil refuses, each integrity protected (re-encrypted properly would still be refused,
        // and the refusal comes before any decryption).
        var header = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(jwe.protected))) as! [String: Any]
        for (name, value) in [("zip", "DEF" as Any), ("crit", ["exp"] as Any), ("enc", "A128GCM" as Any)] {
            var changed = header
            changed[name] = value
            var copy = jwe
            copy.protected = Base64URL.encode(try JSONSerialization.data(withJSONObject: changed))
            let error = #expect(throws: KBSProtocolError.self, "\(name)") { try copy.open(with: Self.ecKey) }
            #expect(error?.code == .unsupportedJWE, "\(name)")
        }
        header["alg"] = "ECDH-ES"
        var direct = jwe
        direct.protected = Base64URL.encode(try JSONSerialization.data(withJSONObject: header))
        #expect(throws: KBSProtocolError.self) { try direct.open(with: Self.ecKey) }
    }
}
