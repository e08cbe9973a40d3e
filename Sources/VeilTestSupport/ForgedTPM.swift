public import Crypto
public import Foundation
public import VeilAttestation
import VeilTPM
public import X509
public import _CryptoExtras
import _VeilBytes

/// A TPM that never existed: TPMS_ATTEST quotes (TCG TPM 2.0 Part 2, 10.12.8) built byte by byte over chosen PCR
/// values and chosen extraData, signed with keys made in the test, to prove that the verifiers (the TPM verifier, the
/// key broker, the client) refuse what only a real, anchored AK could sign. Nothing about it is genuine except its
/// format.
public enum ForgedTPM {
    public static let time = Date(timeIntervalSince1970: 1_750_000_000)  // 2025-06-15
    public static let nonce: [UInt8] = Array("forged nonce".utf8)

    /// A signing key: RSA-2048 (PKCS#1 v1.5) or ECDSA P-256.
    public enum Key: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)

        public static func rsa() throws -> Key { .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)) }
        public static func p256() -> Key { .p256(P256.Signing.PrivateKey()) }

        public func sign(_ message: [UInt8]) throws -> [UInt8] {
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
        public var pem: String {
            switch self {
            case .rsa(let key): return key.publicKey.pemRepresentation
            case .p256(let key): return key.publicKey.pemRepresentation
            }
        }

        /// The public key as a JWK, as a forger would put it in the quote bundle's `ak`.
        public var jwk: [String: Any] {
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
    public static func attest(
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
    public static func bundle(
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
    public static func pcr(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 32) }

    /// A quote over PCR 0 only, signed by `key`, with `pcrs` supplied beside it.
    public static func quoteOverPCR0(key: Key, pcrs: [Int: [UInt8]], extra: [String: Any] = [:]) throws -> [UInt8] {
        let message = attest(selections: [(TPM.algSHA256, [0])], digestOver: [pcr(0xA0)])
        return try bundle(message: message, signature: try key.sign(message), pcrs: pcrs, extra: extra)
    }

    /// Runs the TPM verifier and the policy.
    public static func verify(
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
    public static func certificateChain(akKey: P256.Signing.PrivateKey) throws -> (root: Certificate, leaf: Certificate)
    {
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

    /// How a forged quote names its attestation key: `ak` (a JWK) or `ak_pem` (a PEM PUBLIC KEY block), inside the
    /// evidence, where only a pinned or anchored key may be trusted.
    public enum Carrier: Sendable {
        case jwk
        case pem
    }

    /// An evidence bundle (`tee: tpm`) whose quote selects `pcrs` (index → SHA-256 bank value) with the binding's
    /// report data as extraData, signed by `key`, which the quote JSON carries itself (`carrier`).
    public static func evidence(
        binding: ReportDataBinding,
        pcrs: [Int: [UInt8]],
        key: Key,
        carrier: Carrier
    ) throws -> EvidenceBundle {
        let reportData = binding.reportData
        let indices = pcrs.keys.sorted()
        let message = attest(
            extraData: reportData,
            selections: [(TPM.algSHA256, indices)],
            digestOver: indices.map { pcrs[$0] ?? [] }
        )
        let carried: [String: Any] =
            switch carrier {
            case .jwk: ["ak": key.jwk]
            case .pem: ["ak_pem": key.pem]
            }
        return EvidenceBundle(
            tee: .tpm,
            evidence: try bundle(message: message, signature: try key.sign(message), pcrs: pcrs, extra: carried),
            binding: binding,
            reportData: reportData,
            createdAt: Date(),
            producer: "a forger's script"
        )
    }
}
