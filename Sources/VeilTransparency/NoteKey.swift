public import Crypto
import Foundation
import _VeilBytes

/// A public key that verifies signed-note signatures: an Ed25519 key (signature type `0x01`) or an Ed25519
/// witness cosigner (type `0x04`, c2sp.org/tlog-cosignature), under a key name.
public struct NoteVerifierKey: Sendable, Hashable {
    /// The signature types Veil verifies.
    public enum SignatureType: UInt8, Sendable, Hashable {
        /// Ed25519 over the note text (c2sp.org/signed-note).
        case ed25519 = 0x01
        /// Timestamped Ed25519 cosignature `cosignature/v1` (c2sp.org/tlog-cosignature).
        case cosignatureV1 = 0x04
    }

    public let name: String
    public let type: SignatureType
    public let publicKey: Curve25519.Signing.PublicKey

    public init(
        name: String,
        type: SignatureType = .ed25519,
        publicKey: Curve25519.Signing.PublicKey
    ) throws(TransparencyError) {
        guard SignedNote.isValidKeyName(name) else {
            throw TransparencyError(.malformedKey, "a key name must be non-empty, without spaces or `+`")
        }
        self.name = name
        self.type = type
        self.publicKey = publicKey
    }

    /// `SHA-256(key name || 0x0A || type || public key)[:4]`, big-endian.
    public var keyID: UInt32 {
        NoteVerifierKey.keyID(name: name, type: type.rawValue, publicKey: Array(publicKey.rawRepresentation))
    }

    static func keyID(name: String, type: UInt8, publicKey: [UInt8]) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, type] + publicKey)
        return Array(hasher.finalize()).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// The verifier key string `<name>+<hex key ID>+<base64(type || public key)>` (the vkey encoding of
    /// golang.org/x/mod/sumdb/note).
    public var vkey: String {
        let id = String(keyID, radix: 16)
        let padded = String(repeating: "0", count: 8 - id.count) + id
        return "\(name)+\(padded)+\(Base64.encode([type.rawValue] + Array(publicKey.rawRepresentation)))"
    }

    /// Parses a vkey string, checking that its key ID matches its key.
    public init(vkey: String) throws(TransparencyError) {
        let parts = vkey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, SignedNote.isValidKeyName(parts[0]), parts[1].count == 8,
            parts[1].allSatisfy(\.isHexDigit), parts[1] == parts[1].lowercased(), let id = UInt32(parts[1], radix: 16)
        else { throw TransparencyError(.malformedKey, "a verifier key is `name+hexid+base64key`") }
        let blob: [UInt8]
        do { blob = try Base64.decode(parts[2]) } catch {
            throw TransparencyError(.malformedKey, "the verifier key material is not valid base64")
        }
        guard let first = blob.first, let type = SignatureType(rawValue: first), blob.count == 33 else {
            throw TransparencyError(.malformedKey, "the verifier key is not an Ed25519 key (type 0x01 or 0x04)")
        }
        let key: Curve25519.Signing.PublicKey
        do { key = try Curve25519.Signing.PublicKey(rawRepresentation: blob[1...]) } catch {
            throw TransparencyError(.malformedKey, "the verifier key is not a valid Ed25519 public key")
        }
        try self.init(name: String(parts[0]), type: type, publicKey: key)
        guard keyID == id else { throw TransparencyError(.malformedKey, "the key ID does not match the key") }
    }

    /// Checks one signature line that carries this key's name and ID; returns the cosignature time, if any.
    func verify(_ signature: SignedNote.Signature, text: String) -> (valid: Bool, timestamp: UInt64?) {
        switch type {
        case .ed25519:
            return (publicKey.isValidSignature(signature.signature, for: Array(text.utf8)), nil)
        case .cosignatureV1:
            guard signature.signature.count == 72 else { return (false, nil) }
            let time = signature.signature[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard time <= UInt64(Int64.max) else { return (false, nil) }
            let message = Cosignature.message(text: text, timestamp: time)
            return (publicKey.isValidSignature(signature.signature[8...], for: message), time)
        }
    }
}

/// A private key that signs notes: Ed25519 signatures (`0x01`) and `cosignature/v1` timestamped signatures (`0x04`).
public struct NoteSigner: Sendable {
    public let name: String
    private let key: Curve25519.Signing.PrivateKey

    public init(name: String, key: Curve25519.Signing.PrivateKey) throws(TransparencyError) {
        guard SignedNote.isValidKeyName(name) else {
            throw TransparencyError(.malformedKey, "a key name must be non-empty, without spaces or `+`")
        }
        self.name = name
        self.key = key
    }

    /// The verifier for this signer's signatures of the given type.
    public func verifierKey(_ type: NoteVerifierKey.SignatureType = .ed25519) -> NoteVerifierKey {
        // The name was validated by init.
        try! NoteVerifierKey(name: name, type: type, publicKey: key.publicKey)
    }

    /// An Ed25519 signature over the note text.
    public func sign(text: String) throws -> SignedNote.Signature {
        SignedNote.Signature(
            name: name,
            keyID: verifierKey(.ed25519).keyID,
            signature: Array(try key.signature(for: Array(text.utf8)))
        )
    }

    /// A `cosignature/v1` over the note text at a POSIX time.
    public func cosign(text: String, timestamp: UInt64) throws -> SignedNote.Signature {
        let signature = try key.signature(for: Cosignature.message(text: text, timestamp: timestamp))
        var blob = ByteWriter(capacity: 8 + signature.count)
        blob.write(timestamp, .big)
        blob.write(contentsOf: signature)
        return SignedNote.Signature(name: name, keyID: verifierKey(.cosignatureV1).keyID, signature: blob.bytes)
    }
}

/// c2sp.org/tlog-cosignature, Ed25519 form.
public enum Cosignature {
    /// `cosignature/v1\ntime <t>\n` followed by the whole checkpoint text.
    public static func message(text: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + Array(text.utf8)
    }
}

extension SignedNote {
    /// The signatures that verified, by key, with the cosignature time for `0x04` keys.
    public struct Verification: Sendable {
        public var verified: [(key: NoteVerifierKey, timestamp: UInt64?)]
    }

    /// Verifies the note against known keys per the spec: signatures from unknown keys are ignored, a known key whose
    /// signature fails rejects the note, and at least one known signature must verify.
    public func verify(with keys: [NoteVerifierKey]) throws(TransparencyError) -> Verification {
        var verified: [(key: NoteVerifierKey, timestamp: UInt64?)] = []
        for signature in signatures {
            let matching = keys.filter { $0.name == signature.name && $0.keyID == signature.keyID }
            guard let key = matching.first else { continue }
            guard matching.count == 1 else {
                throw TransparencyError(.ambiguousKey, "two trusted keys share the name and ID \(signature.name)")
            }
            let result = key.verify(signature, text: text)
            guard result.valid else {
                throw TransparencyError(.badSignature, "the signature by \(signature.name) does not verify")
            }
            if !verified.contains(where: { $0.key == key }) { verified.append((key, result.timestamp)) }
        }
        guard !verified.isEmpty else {
            throw TransparencyError(.untrustedSignature, "the note carries no signature by a trusted key")
        }
        return Verification(verified: verified)
    }
}

extension NoteVerifierKey {
    public static func == (lhs: NoteVerifierKey, rhs: NoteVerifierKey) -> Bool {
        lhs.name == rhs.name && lhs.type == rhs.type
            && lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(type)
        hasher.combine(publicKey.rawRepresentation)
    }
}
