import Foundation
import _VeilBytes

/// A JSON Web Encryption object in the flattened JSON serialization (RFC 7516 §7.2.2), as the KBS returns a
/// resource: `{"protected", "encrypted_key", "iv", "ciphertext", "tag"}` (and optionally `aad`).
///
/// Veil writes and accepts exactly two key management algorithms, chosen by the recipient key's type, and one
/// content encryption:
/// * `ECDH-ES+A256KW` (RFC 7518 §4.6) for EC P-256 keys: an ephemeral P-256 key (`epk`), the Concat KDF over
///   SHA-256 (``concatKDF(sharedSecret:algorithm:keyBitCount:partyUInfo:partyVInfo:)``), AES-256 key wrap
///   (RFC 3394);
/// * `RSA-OAEP-256` (RFC 7518 §4.3) for RSA keys;
/// * `A256GCM` content encryption with `ASCII(BASE64URL(protected))` as the additional data (RFC 7516 §5.1).
///
/// Every header parameter must be integrity protected: the unprotected `header` and `unprotected` members, `zip`
/// and `crit` are refused, as is any algorithm other than the one the key's type calls for (no downgrade).
public struct JWE: Sendable, Hashable, Codable {
    /// The largest serialized JWE ``open(_:with:)`` parses.
    public static let maximumSize = 8 << 20
    /// The content encryption Veil uses.
    public static let contentEncryption = "A256GCM"

    /// BASE64URL(UTF8(JWE Protected Header)).
    public var protected: String
    /// BASE64URL(JWE Encrypted Key).
    public var encryptedKey: String
    /// BASE64URL(JWE Initialization Vector): 96 bits.
    public var iv: String
    /// BASE64URL(JWE Ciphertext).
    public var ciphertext: String
    /// BASE64URL(JWE Authentication Tag): 128 bits.
    public var tag: String
    /// BASE64URL(JWE AAD), if any: authenticated as `protected ‖ "." ‖ aad`.
    public var aad: String?

    /// Creates a JWE from its members.
    public init(
        protected: String,
        encryptedKey: String,
        iv: String,
        ciphertext: String,
        tag: String,
        aad: String? = nil
    ) {
        self.protected = protected
        self.encryptedKey = encryptedKey
        self.iv = iv
        self.ciphertext = ciphertext
        self.tag = tag
        self.aad = aad
    }

    enum CodingKeys: String, CodingKey {
        case protected
        case encryptedKey = "encrypted_key"
        case iv
        case ciphertext
        case tag
        case aad
    }

    /// The flattened JSON serialization (compact, keys sorted).
    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// Parses the flattened JSON serialization strictly: a JSON object with string members `protected`,
    /// `encrypted_key`, `iv`, `ciphertext`, `tag` and optional `aad`; any other member is refused (including the
    /// general serialization's `recipients` and unprotected headers).
    public init<Bytes: Collection>(json bytes: Bytes) throws(KBSProtocolError) where Bytes.Element == UInt8 {
        guard bytes.count <= Self.maximumSize else {
            throw KBSProtocolError(.malformedJWE, "the JWE exceeds \(Self.maximumSize) bytes")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw KBSProtocolError(.malformedJWE, "a JWE is a JSON object")
        }
        let known: Set<String> = ["protected", "encrypted_key", "iv", "ciphertext", "tag", "aad"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            if unknown == "header" || unknown == "unprotected" {
                throw KBSProtocolError(.unsupportedJWE, "unprotected header parameters are not accepted")
            }
            throw KBSProtocolError(.malformedJWE, "unexpected JWE member \"\(unknown.prefix(32))\"")
        }
        func member(_ name: String) throws(KBSProtocolError) -> String {
            guard let value = object[name] as? String else {
                throw KBSProtocolError(.malformedJWE, "the JWE lacks the string member \"\(name)\"")
            }
            return value
        }
        protected = try member("protected")
        encryptedKey = try member("encrypted_key")
        iv = try member("iv")
        ciphertext = try member("ciphertext")
        tag = try member("tag")
        if object["aad"] != nil {
            aad = try member("aad")
        } else {
            aad = nil
        }
    }

    /// The additional authenticated data of the content encryption (RFC 7516 §5.1 step 14).
    var additionalAuthenticatedData: [UInt8] {
        var bytes = Array(protected.utf8)
        if let aad {
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: aad.utf8)
        }
        return bytes
    }

    static func decode(_ text: String, _ name: String) throws(KBSProtocolError) -> [UInt8] {
        do {
            return try Base64URL.decode(text)
        } catch {
            throw KBSProtocolError(.malformedJWE, "the JWE member \"\(name)\" is not base64url")
        }
    }
}
