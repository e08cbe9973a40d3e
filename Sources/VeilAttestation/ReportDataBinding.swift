import Crypto
import Foundation
import _VeilBytes

/// How a node's evidence binds a verifier's nonce and the node's public keys: the 64 bytes a TEE signs as its
/// report data (SEV-SNP REPORT_DATA, TDX REPORTDATA, TPM quote extraData, the simulated TEE's `report_data`).
///
/// Attesters compute it to ask for evidence; verifiers recompute it from the inputs a bundle carries and compare.
/// Two schemes exist (docs/formats/evidence-bundle.md gives both byte for byte):
///
/// * ``veil(nonce:publicKeys:initData:)`` — SHA-512 over a length-prefixed canonical encoding.
/// * ``kbs(runtimeData:hash:)`` — the Confidential Containers KBS form: a hash of the `runtime-data` JSON
///   (`nonce` and `tee-pubkey`), zero-padded to 64 bytes.
public enum ReportDataBinding: Sendable, Hashable {
    /// Veil's binding: a nonce, the node's public keys (any order; they are sorted), optional init data.
    case veil(nonce: [UInt8], publicKeys: [[UInt8]], initData: [UInt8]?)
    /// The KBS binding: the exact `runtime-data` bytes and the hash the KBS uses for this TEE.
    case kbs(runtimeData: [UInt8], hash: KBSHash)

    /// The hash of the KBS `runtime-data` (Trustee uses SHA-384 unless configured otherwise).
    public enum KBSHash: String, Sendable, Hashable, Codable, CaseIterable {
        case sha256
        case sha384
        case sha512
    }

    /// The domain separator that starts Veil's encoding.
    public static let veilLabel = Array("veil.report-data.v1".utf8)

    /// The size of the report data every scheme produces.
    public static let size = 64

    /// The canonical encoding hashed by the Veil scheme:
    /// `label ‖ u32(len nonce) ‖ nonce ‖ u32(key count) ‖ (u32(len key) ‖ key)* ‖ u8(has init) [‖ u32(len) ‖ init]`,
    /// integers big-endian, keys sorted bytewise ascending.
    public static func canonicalEncoding(nonce: [UInt8], publicKeys: [[UInt8]], initData: [UInt8]?) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(contentsOf: veilLabel)
        writer.write(UInt32(nonce.count), .big)
        writer.write(contentsOf: nonce)
        let sorted = publicKeys.sorted { $0.lexicographicallyPrecedes($1) }
        writer.write(UInt32(sorted.count), .big)
        for key in sorted {
            writer.write(UInt32(key.count), .big)
            writer.write(contentsOf: key)
        }
        if let initData {
            writer.write(UInt8(1))
            writer.write(UInt32(initData.count), .big)
            writer.write(contentsOf: initData)
        } else {
            writer.write(UInt8(0))
        }
        return writer.bytes
    }

    /// The 64 bytes of report data this binding produces.
    public var reportData: [UInt8] {
        switch self {
        case .veil(let nonce, let keys, let initData):
            return Array(SHA512.hash(data: Self.canonicalEncoding(nonce: nonce, publicKeys: keys, initData: initData)))
        case .kbs(let runtimeData, let hash):
            let digest: [UInt8]
            switch hash {
            case .sha256: digest = Array(SHA256.hash(data: runtimeData))
            case .sha384: digest = Array(SHA384.hash(data: runtimeData))
            case .sha512: digest = Array(SHA512.hash(data: runtimeData))
            }
            return digest + [UInt8](repeating: 0, count: Self.size - digest.count)
        }
    }

    /// Whether evidence's report data is exactly this binding's.
    public func isBound(by reportData: [UInt8]) -> Bool {
        ConstantTime.equals(reportData, self.reportData)
    }

    /// The KBS `runtime-data` JSON for a nonce (the KBS challenge's `nonce` string) and the TEE's public key as
    /// JWK members: compact, keys sorted (what Trustee's attestation service hashes).
    public static func kbsRuntimeData(nonce: String, teePublicKey: [String: String]) -> [UInt8] {
        let object: [String: Any] = ["nonce": nonce, "tee-pubkey": teePublicKey]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return Array(data)
    }

    /// The nonce a KBS `runtime-data` carries, if it is the JSON object the KBS protocol defines.
    public var kbsNonce: String? {
        guard case .kbs(let runtimeData, _) = self,
            let object = (try? JSONSerialization.jsonObject(with: Data(runtimeData))) as? [String: Any]
        else { return nil }
        return object["nonce"] as? String
    }
}
