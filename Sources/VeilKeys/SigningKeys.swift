public import Crypto
public import Foundation
import _VeilBytes

/// A private signing key: Ed25519 or ECDSA P-256 (SHA-256).
public enum SigningPrivateKey: Sendable {
    case ed25519(Curve25519.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)

    /// A fresh key from the system's secure generator.
    public static func generate(_ kind: KeyKind) throws(KeyFileError) -> SigningPrivateKey {
        switch kind {
        case .ed25519: return .ed25519(Curve25519.Signing.PrivateKey())
        case .p256: return .p256(P256.Signing.PrivateKey())
        case .aes256: throw KeyFileError(.wrongKind, "aes256 is not a signing key kind")
        }
    }

    public var kind: KeyKind {
        switch self {
        case .ed25519: return .ed25519
        case .p256: return .p256
        }
    }

    /// The matching public key.
    public var publicKey: SigningPublicKey {
        switch self {
        case .ed25519(let key): return .ed25519(key.publicKey)
        case .p256(let key): return .p256(key.publicKey)
        }
    }

    /// Signs `message`. Ed25519 gives the 64-byte RFC 8032 signature; P-256 gives the 64-byte `r ‖ s` form of
    /// JWS (RFC 7518 §3.4) over SHA-256 of the message.
    public func signature(for message: some DataProtocol) throws -> [UInt8] {
        switch self {
        case .ed25519(let key): return Array(try key.signature(for: message))
        case .p256(let key): return Array(try key.signature(for: message).rawRepresentation)
        }
    }

    /// The private JWK (with `kid` = RFC 7638 thumbprint of the public key).
    public var jwk: JWK {
        var jwk = publicKey.jwk
        switch self {
        case .ed25519(let key): jwk.d = Base64URL.encode(key.rawRepresentation)
        case .p256(let key): jwk.d = Base64URL.encode(key.rawRepresentation)
        }
        return jwk
    }

    /// Reads a private signing key from a JWK.
    public init(jwk: JWK) throws(KeyFileError) {
        guard jwk.d != nil else {
            throw KeyFileError(.wrongKind, "this is a public key; a private signing key is required")
        }
        let expected = try SigningPublicKey(jwk: jwk)
        do {
            switch expected {
            case .ed25519:
                self = .ed25519(
                    try Curve25519.Signing.PrivateKey(rawRepresentation: jwk.member(jwk.d, "d", length: 32))
                )
            case .p256:
                self = .p256(try P256.Signing.PrivateKey(rawRepresentation: jwk.member(jwk.d, "d", length: 32)))
            }
        } catch let error as KeyFileError {
            throw error
        } catch {
            throw KeyFileError(.malformed, "private key is not valid: \(error)")
        }
        guard publicKey == expected else {
            throw KeyFileError(.malformed, "the private key does not match the public members x/y")
        }
    }
}

/// A public signing key: Ed25519 or ECDSA P-256.
public enum SigningPublicKey: Sendable, Hashable {
    case ed25519(Curve25519.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)

    public var kind: KeyKind {
        switch self {
        case .ed25519: return .ed25519
        case .p256: return .p256
        }
    }

    /// The raw public key: 32 bytes for Ed25519, 65 bytes (uncompressed SEC1 point) for P-256.
    public var rawBytes: [UInt8] {
        switch self {
        case .ed25519(let key): return Array(key.rawRepresentation)
        case .p256(let key): return Array(key.x963Representation)
        }
    }

    /// Checks a signature made by ``SigningPrivateKey/signature(for:)``.
    public func isValidSignature(_ signature: some DataProtocol, for message: some DataProtocol) -> Bool {
        switch self {
        case .ed25519(let key):
            return key.isValidSignature(signature, for: message)
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message)
        }
    }

    /// The public JWK, with `kid` set to its RFC 7638 thumbprint.
    public var jwk: JWK {
        var jwk: JWK
        switch self {
        case .ed25519(let key):
            jwk = JWK(kty: "OKP", crv: "Ed25519", x: Base64URL.encode(key.rawRepresentation), alg: "EdDSA", use: "sig")
        case .p256(let key):
            let point = Array(key.x963Representation)
            jwk = JWK(
                kty: "EC",
                crv: "P-256",
                x: Base64URL.encode(point[1..<33]),
                y: Base64URL.encode(point[33..<65]),
                alg: "ES256",
                use: "sig"
            )
        }
        jwk.kid = try? jwk.thumbprint()
        return jwk
    }

    /// The RFC 7638 thumbprint: a stable identifier of the key.
    public var thumbprint: String {
        // The JWK built above always has the members a thumbprint needs.
        jwk.kid ?? ""
    }

    /// Reads the public part of a signing JWK (private members, if any, are ignored).
    public init(jwk: JWK) throws(KeyFileError) {
        do {
            switch (jwk.kty, jwk.crv) {
            case ("OKP", "Ed25519"):
                self = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: jwk.member(jwk.x, "x", length: 32)))
            case ("EC", "P-256"):
                let x = try jwk.member(jwk.x, "x", length: 32)
                let y = try jwk.member(jwk.y, "y", length: 32)
                self = .p256(try P256.Signing.PublicKey(x963Representation: [0x04] + x + y))
            case ("oct", _):
                throw KeyFileError(.wrongKind, "this is a symmetric key; a signing key is required")
            default:
                throw KeyFileError(
                    .malformed,
                    "unsupported key: kty \(jwk.kty), crv \(jwk.crv ?? "none") (Ed25519 or P-256 expected)"
                )
            }
        } catch let error as KeyFileError {
            throw error
        } catch {
            throw KeyFileError(.malformed, "public key is not a valid point: \(error)")
        }
    }

    public static func == (lhs: SigningPublicKey, rhs: SigningPublicKey) -> Bool {
        lhs.kind == rhs.kind && lhs.rawBytes == rhs.rawBytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(rawBytes)
    }
}
