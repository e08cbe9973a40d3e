import Crypto
import Foundation
import _VeilBytes

/// A JSON Web Key (RFC 7517) as Veil's key files hold it: `oct` (RFC 7518 §6.4), `EC` P-256 (RFC 7518 §6.2) or
/// `OKP` Ed25519 (RFC 8037). Unknown members are ignored; members are checked strictly for the kinds above.
public struct JWK: Codable, Hashable, Sendable {
    public var kty: String
    public var crv: String?
    public var x: String?
    public var y: String?
    public var d: String?
    public var k: String?
    public var kid: String?
    public var alg: String?
    public var use: String?

    public init(
        kty: String,
        crv: String? = nil,
        x: String? = nil,
        y: String? = nil,
        d: String? = nil,
        k: String? = nil,
        kid: String? = nil,
        alg: String? = nil,
        use: String? = nil
    ) {
        self.kty = kty
        self.crv = crv
        self.x = x
        self.y = y
        self.d = d
        self.k = k
        self.kid = kid
        self.alg = alg
        self.use = use
    }

    /// Whether the key carries private material (`d` or `k`).
    public var isPrivate: Bool { d != nil || k != nil }

    /// The JWK Thumbprint (RFC 7638): base64url(SHA-256) over the required public members in lexicographic order.
    /// For `oct` keys it covers `k`, so it must never be published for a secret key.
    public func thumbprint() throws(KeyFileError) -> String {
        let canonical: String
        switch kty {
        case "EC":
            guard let crv, let x, let y else { throw KeyFileError(.malformed, "EC key lacks crv, x or y") }
            canonical = #"{"crv":"\#(crv)","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        case "OKP":
            guard let crv, let x else { throw KeyFileError(.malformed, "OKP key lacks crv or x") }
            canonical = #"{"crv":"\#(crv)","kty":"OKP","x":"\#(x)"}"#
        case "oct":
            guard let k else { throw KeyFileError(.malformed, "oct key lacks k") }
            canonical = #"{"k":"\#(k)","kty":"oct"}"#
        default:
            throw KeyFileError(.malformed, "unsupported key type \(kty)")
        }
        return Base64URL.encode(Array(SHA256.hash(data: Array(canonical.utf8))))
    }

    /// The same key without private members.
    public var publicKey: JWK {
        var copy = self
        copy.d = nil
        copy.k = nil
        return copy
    }

    /// Decodes a base64url member into bytes of an exact length.
    func member(_ value: String?, _ name: String, length: Int) throws(KeyFileError) -> [UInt8] {
        guard let value else { throw KeyFileError(.malformed, "\(kty) key lacks \"\(name)\"") }
        let bytes: [UInt8]
        do {
            bytes = try Base64URL.decode(value)
        } catch {
            throw KeyFileError(.malformed, "member \"\(name)\" is not base64url: \(error)")
        }
        guard bytes.count == length else {
            throw KeyFileError(.malformed, "member \"\(name)\" holds \(bytes.count) bytes, expected \(length)")
        }
        return bytes
    }
}
