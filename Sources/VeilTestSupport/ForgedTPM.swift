import Crypto
import Foundation
import VeilAttestation
import VeilTPM
import X509
import _CryptoExtras
import _VeilBytes

/// A TPM that never existed: TPMS_ATTEST quotes built byte by byte and signed with keys made in the test, to
/// prove that the verifiers refuse what only a real, anchored AK could sign.
struct ForgedTPM {
    static let time = Date(timeIntervalSince1970: 1_750_000_000)  // 2025-06-15
    static let nonce: [UInt8] = Array("forged nonce".utf8)

    /// A signing key: RSA-2048 (PKCS#1 v1.5) or ECDSA P-256.
    enum Key {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)

        static func rsa() throws -> Key { .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)) }
        static func p256() -> Key { .p256(P256.Signing.PrivateKey()) }

        func sign(_ message: [UInt8]) throws -> [UInt8] {
            switch self {
            case .rsa(let key):
                return Array(
                    try key.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5).rawRepresentation
                )
            case .p256(let key):
                return Array(try key.signature(for: message).rawRepresentation)
            }
        }

        /// The public key as a PEM PUBLIC KEY block (what a relying party pins).
        var pem: String {
            switch self {
            case .rsa(let key): return key.publicKey.pemRepresentation
            case .p256(let key): return key.publicKey.pemRepresentation
            }
        }

        /// The public key as a JWK, as a forger would put it in the quote bundle's `ak`.
        var jwk: [String: Any] {
            switch self {
            case .rsa(let key):
                let parameters = try! key.publicKey.getKeyPrimitives()
                return [
                    "kty": "RSA", "n": Base64URL.encode(Array(parameters.modulus)),
                    "e": Base64URL.encode(Array(parameters.publicExponent)),
                ]
            case .p256(let key):
                let raw = Array(key.publicKey.rawRepresentation)
                return [
                    "kty": "EC", "crv": "P-256", "x": Base64URL.encode(Array(raw[0..<32])),
                    "y": Base64URL.encode(Array(raw[32...])),
                ]
            }
        }
    }

    /// A TPMS_ATTEST quote selecting `selections` (bank algorithm → PCR indices) whose pcrDigest is the SHA-256 of
    /// `digestOver` (the values the signer saw, in order).
    static func attest(
        extraData: [UInt8] = nonce,
        selections: [(UInt16, [Int])],
        digestOver: [[UInt8]]
    ) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0x54, 0x43, 0x47, 0x80, 0x18, 0x00, 0x02, 0x00, 0x0B]
        bytes += [UInt8(extraData.count >> 8), UInt8(extraData.count & 0xFF)] + extraData
        bytes += [UInt8](repeating: 0, count: 17) + [UInt8](repeating: 0, count: 8)  // clock info, firmware
        bytes += [0, 0, 0, UInt8(selections.count)]
        for (algorithm, indices) in selections {
            var bitmap: [UInt8] = [0, 0, 0]
            for index in indices { bitmap[index / 8] |= 1 << (index % 8) }
            bytes += [UInt8(algorithm >> 8), UInt8(algorithm & 0xFF), 3] + bitmap
        }
        let digest = Array(SHA256.hash(data: digestOver.flatMap { $0 }))
        return bytes + [0x00, 0x20] + digest
    }

    /// A quote bundle JSON (`message`, `signature`, `pcrs` keyed by index) plus any extra members.
    static func bundle(
        message: [UInt8],
        signature: [UInt8],
        pcrs: [Int: [UInt8]],
        extra: [String: Any] = [:]
    ) throws -> [UInt8] {
        var object: [String: Any] = [
            "message": Hex.encode(message), "signature": Hex.encode(signature),
            "pcrs": Dictionary(uniqueKeysWithValues: pcrs.map { ("\($0.key)", Hex.encode($0.value)) }),
        ]
        object.merge(extra) { _, new in new }
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// A PCR value that stands for "the approved build".
    static func pcr(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 32) }

    /// A quote over PCR 0 only, signed by `key`, with `pcrs` supplied beside it.
    static func quoteOverPCR0(key: Key, pcrs: [Int: [UInt8]], extra: [String: Any] = [:]) throws -> [UInt8] {
        let message = attest(selections: [(TPM.algSHA256, [0])], digestOver: [pcr(0xA0)])
        return try bundle(message: message, signature: try key.sign(message), pcrs: pcrs, extra: extra)
    }

    /// Runs the TPM verifier and the policy.
    static func verify(
        _ evidence: [UInt8],
        collateral: [(name: String, bytes: [UInt8])] = [],
        policy: PolicyDocument = .baseline
    ) throws -> AttestationResult {
        let context = VerificationContext(
            time: time,
            nonce: nonce,
            options: policy.options,
            collateral: BundleCollateralProvider(collateral)
        )
        return try Vectors.appraise(TPM.Verifier(), evidence, context: context, policy: policy)
    }

    /// A self-made "AK certificate chain": a self-signed root and an AK certificate for `akKey`.
    static func certificateChain(akKey: P256.Signing.PrivateKey) throws -> (root: Certificate, leaf: Certificate) {
        let rootKey = P256.Signing.PrivateKey()
        func name(_ text: String) throws -> DistinguishedName { try DistinguishedName { CommonName(text) } }
        let window = (time.addingTimeInterval(-86_400), time.addingTimeInterval(86_400 * 365))
        let root = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(1),
            publicKey: Certificate.PublicKey(rootKey.publicKey),
            notValidBefore: window.0,
            notValidAfter: window.1,
            issuer: name("Forged TPM Manufacturer Root"),
            subject: name("Forged TPM Manufacturer Root"),
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(rootKey)
        )
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(2),
            publicKey: Certificate.PublicKey(akKey.publicKey),
            notValidBefore: window.0,
            notValidAfter: window.1,
            issuer: name("Forged TPM Manufacturer Root"),
            subject: name("Forged TPM AK"),
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(rootKey)
        )
        return (root, leaf)
    }
}
