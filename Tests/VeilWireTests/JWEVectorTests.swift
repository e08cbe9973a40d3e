import Crypto
import Foundation
import Testing
import VeilWire
import _VeilBytes

/// Published vectors for the pieces of Veil's JWE. No RFC has a complete ECDH-ES+A256KW/A256GCM or
/// RSA-OAEP-256/A256GCM example (RFC 7520 §5.4 is ECDH-ES+A128KW over P-384 with A128GCM; RFC 7516 A.1 and
/// RFC 7520 §5.2 use RSA-OAEP with SHA-1), so each layer is checked against the vector that exists for it and the
/// whole construction against an independent implementation (``JWECrossCheckTests``).
@Suite("JWE published vectors")
struct JWEVectorTests {
    /// RFC 7518 Appendix C: the Concat KDF for ECDH-ES (Alice's ephemeral key, Bob's key, apu "Alice", apv "Bob").
    @Test func rfc7518AppendixCConcatKDF() throws {
        let z: [UInt8] = [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156,
            251, 49, 110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
        ]
        let derived = JWE.concatKDF(
            sharedSecret: SecureBytes(z),
            algorithm: "A128GCM",
            keyBitCount: 128,
            partyUInfo: Array("Alice".utf8),
            partyVInfo: Array("Bob".utf8)
        )
        #expect(Array(derived) == [86, 170, 141, 234, 248, 35, 109, 32, 92, 34, 40, 205, 113, 167, 16, 26])
        #expect(Base64URL.encode(Array(derived)) == "VqqN6vgjbSBcIijNcacQGg")
    }

    /// RFC 7518 Appendix C: Z is the ECDH of Alice's ephemeral key and Bob's key, from either side.
    @Test func rfc7518AppendixCKeyAgreement() throws {
        let alice = try P256.KeyAgreement.PrivateKey(
            rawRepresentation: Base64URL.decode("0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo")
        )
        let bob = try P256.KeyAgreement.PrivateKey(
            rawRepresentation: Base64URL.decode("VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw")
        )
        let alicePublic =
            try Base64URL.decode("gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0")
            + Base64URL.decode("SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps")
        let bobPublic =
            try Base64URL.decode("weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ")
            + Base64URL.decode("e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck")
        #expect(Array(alice.publicKey.rawRepresentation) == alicePublic)
        #expect(Array(bob.publicKey.rawRepresentation) == bobPublic)
        let z: [UInt8] = [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156,
            251, 49, 110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
        ]
        let fromAlice = try alice.sharedSecretFromKeyAgreement(with: bob.publicKey).secureBytes()
        let fromBob = try bob.sharedSecretFromKeyAgreement(with: alice.publicKey).secureBytes()
        #expect(Array(fromAlice) == z)
        #expect(Array(fromBob) == z)
    }

    /// RFC 3394 §4.6: wrap 256 bits of key data with a 256-bit KEK (the A256KW step).
    @Test func rfc3394Section46KeyWrap() throws {
        let kek = SymmetricKey(data: try Hex.decode("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"))
        let keyData = try Hex.decode("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
        let expected = try Hex.decode(
            "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"
        )
        let wrapped = try AES.KeyWrap.wrap(SymmetricKey(data: keyData), using: kek)
        #expect(Array(wrapped) == expected)
        let unwrapped = try AES.KeyWrap.unwrap(expected, using: kek)
        #expect(Array(unwrapped.secureBytes()) == keyData)
        var altered = expected
        altered[39] ^= 1
        #expect(throws: (any Error).self) { try AES.KeyWrap.unwrap(altered, using: kek) }
    }

    static let a1Protected = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ"
    static let a1CEK: [UInt8] = [
        177, 161, 244, 128, 84, 143, 225, 115, 63, 180, 3, 255, 107, 154, 212, 246,
        138, 7, 110, 91, 112, 46, 34, 105, 47, 130, 203, 46, 122, 234, 64, 252,
    ]
    static let a1IV = "48V1_ALb6US04U3b"
    static let a1Ciphertext = "5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A"
    static let a1Tag = "XFBoMYUZodetZdvTiFvSkQ"
    static let a1Plaintext = "The true sign of intelligence is not knowledge but imagination."

    /// RFC 7516 Appendix A.1: the A256GCM content layer with the published CEK, IV, AAD, ciphertext and tag.
    @Test func rfc7516AppendixA1ContentDecryption() throws {
        let plaintext = try JWE.openContent(
            key: SymmetricKey(data: Self.a1CEK),
            additionalData: Array(Self.a1Protected.utf8),
            iv: Base64URL.decode(Self.a1IV),
            ciphertext: Base64URL.decode(Self.a1Ciphertext),
            tag: Base64URL.decode(Self.a1Tag)
        )
        #expect(String(decoding: Array(plaintext), as: UTF8.self) == Self.a1Plaintext)
        #expect(Array(Self.a1Protected.utf8).count == 46)
        // The same bytes with one flipped tag bit do not decrypt.
        var tag = try Base64URL.decode(Self.a1Tag)
        tag[0] ^= 0x80
        #expect(throws: KBSProtocolError.self) {
            try JWE.openContent(
                key: SymmetricKey(data: Self.a1CEK),
                additionalData: Array(Self.a1Protected.utf8),
                iv: Base64URL.decode(Self.a1IV),
                ciphertext: Base64URL.decode(Self.a1Ciphertext),
                tag: tag
            )
        }
    }

    /// RFC 7516 Appendix A.1 as a whole uses RSA-OAEP (SHA-1): an RSA TEE key refuses it (no algorithm downgrade).
    @Test func rfc7516AppendixA1RSAOAEPSHA1IsRefused() throws {
        let key = try KBS.TEEKey.generateRSA(bits: 2048)
        let jwe = JWE(
            protected: Self.a1Protected,
            encryptedKey: Base64URL.encode([UInt8](repeating: 1, count: 256)),
            iv: Self.a1IV,
            ciphertext: Self.a1Ciphertext,
            tag: Self.a1Tag
        )
        let error = #expect(throws: KBSProtocolError.self) { try jwe.open(with: key) }
        #expect(error?.code == .unsupportedJWE)
    }
}
