import Testing
import VeilTestSupport
import _VeilBytes

/// RFC 4648 §10 test vectors, verbatim.
private let rfc4648Vectors: [(plain: String, base64: String, base16: String)] = [
    ("", "", ""),
    ("f", "Zg==", "66"),
    ("fo", "Zm8=", "666F"),
    ("foo", "Zm9v", "666F6F"),
    ("foob", "Zm9vYg==", "666F6F62"),
    ("fooba", "Zm9vYmE=", "666F6F6261"),
    ("foobar", "Zm9vYmFy", "666F6F626172"),
]

@Suite("Hex (RFC 4648 §8)")
struct HexTests {
    @Test("RFC 4648 §10 BASE16 vectors")
    func vectors() throws {
        for vector in rfc4648Vectors {
            let bytes = Array(vector.plain.utf8)
            #expect(Hex.encode(bytes, uppercase: true) == vector.base16)
            #expect(Hex.encode(bytes) == vector.base16.lowercased())
            #expect(try Hex.decode(vector.base16) == bytes)
            #expect(try Hex.decode(vector.base16.lowercased()) == bytes)
        }
    }

    @Test(
        "malformed hex is rejected with the offending offset",
        arguments: [
            ("0", ByteEncodingError.Code.invalidLength, 1),
            ("zz", .invalidCharacter, 0),
            ("0g", .invalidCharacter, 1),
            ("0x00", .invalidCharacter, 1),
            (" 001", .invalidCharacter, 0),
            ("00\n0", .invalidCharacter, 2),
            ("ÿÿ", .invalidCharacter, 0),
        ]
    )
    func malformed(text: String, code: ByteEncodingError.Code, offset: Int) {
        let error = #expect(throws: ByteEncodingError.self) { try Hex.decode(text) }
        #expect(error?.code == code)
        #expect(error?.offset == offset)
    }
}

@Suite("Base64 and base64url (RFC 4648 §4, §5)")
struct Base64Tests {
    @Test("RFC 4648 §10 BASE64 vectors, padded")
    func vectors() throws {
        for vector in rfc4648Vectors {
            let bytes = Array(vector.plain.utf8)
            #expect(Base64.encode(bytes) == vector.base64)
            #expect(try Base64.decode(vector.base64) == bytes)
            // The RFC's vectors use no '+' or '/', so base64url spells them the same, padding aside.
            #expect(Base64.encode(bytes, alphabet: .url) == vector.base64)
            let unpadded = vector.base64.replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == unpadded)
            #expect(try Base64URL.decode(unpadded) == bytes)
            #expect(try Base64.decode(unpadded, padding: .optional) == bytes)
            #expect(try Base64.decode(vector.base64, padding: .optional) == bytes)
        }
    }

    @Test("the alphabets differ exactly in characters 62 and 63")
    func alphabets() throws {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF]
        #expect(Base64.encode(bytes) == "+/+/")
        #expect(Base64URL.encode(bytes) == "-_-_")
        #expect(try Base64URL.decode("-_-_") == bytes)
        #expect(throws: ByteEncodingError.self) { try Base64URL.decode("+/+/") }
        #expect(throws: ByteEncodingError.self) { try Base64.decode("-_-_") }
    }

    @Test(
        "malformed base64 is rejected",
        arguments: [
            ("Zg", Base64.Padding.required, ByteEncodingError.Code.invalidPadding),
            ("Zg=", .required, .invalidPadding),
            ("Zg===", .required, .invalidPadding),
            ("Zm9v=", .required, .invalidPadding),
            ("Z", .required, .invalidLength),
            ("Z===", .required, .invalidPadding),
            ("Zh==", .required, .nonCanonical),
            ("Zm9=", .required, .nonCanonical),
            ("Zm9v\n", .required, .invalidCharacter),
            ("Zm 9v", .optional, .invalidCharacter),
            ("Zg==", .forbidden, .invalidPadding),
            ("Z=g=", .required, .invalidCharacter),
        ]
    )
    func malformed(text: String, padding: Base64.Padding, code: ByteEncodingError.Code) {
        let error = #expect(throws: ByteEncodingError.self) { try Base64.decode(text, padding: padding) }
        #expect(error?.code == code, "\(text) gave \(String(describing: error))")
    }

    @Test("seeded random bytes round-trip through every encoding")
    func roundTrips() throws {
        var generator = SeededGenerator(seed: 4648)
        for length in 0..<200 {
            let bytes = generator.bytes(count: length)
            #expect(try Hex.decode(Hex.encode(bytes)) == bytes)
            #expect(try Base64.decode(Base64.encode(bytes)) == bytes)
            #expect(try Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
    }
}
