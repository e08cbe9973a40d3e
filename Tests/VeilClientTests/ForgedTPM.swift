import Crypto
import Foundation
import VeilAttestation
import _CryptoExtras
import _VeilBytes

/// A TPM quote made from scratch with the forger's own RSA key — no TPM involved: a TPMS_ATTEST (TCG TPM 2.0 Part
/// 2, 10.12.8) over chosen PCR values and chosen extraData, signed RSASSA-PKCS1-v1_5/SHA-256, shipped with its own
/// key as a JWK `ak` (and, alternatively, as `ak_pem`). Nothing about it is genuine except its format.
enum ForgedTPM {
    /// An evidence bundle (`tee: tpm`) bound with a KBS binding over `runtimeData`, quoting `pcrs` (index → SHA-256
    /// bank value) and signed by `key`, which the quote JSON carries as a JWK `ak` (or `ak_pem` when `pem` is set).
    static func evidence(
        runtimeData: [UInt8],
        pcrs: [Int: [UInt8]],
        key: _RSA.Signing.PrivateKey,
        pem: Bool = false
    ) throws -> EvidenceBundle {
        let binding = ReportDataBinding.kbs(runtimeData: runtimeData, hash: .sha384)
        let extraData = binding.reportData
        let indices = pcrs.keys.sorted()
        var bitmap = [UInt8](repeating: 0, count: 3)
        for index in indices { bitmap[index / 8] |= 1 << (index % 8) }
        var concatenated: [UInt8] = []
        for index in indices { concatenated += pcrs[index]! }
        let pcrDigest = Array(SHA256.hash(data: concatenated))
        var attest: [UInt8] = []
        func u16(_ value: Int) { attest += [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
        func u32(_ value: UInt32) { attest += (0..<4).map { UInt8(value >> (24 - 8 * $0) & 0xff) } }
        func u64(_ value: UInt64) { attest += (0..<8).map { UInt8(value >> (56 - 8 * $0) & 0xff) } }
        u32(0xff54_4347)  // TPM_GENERATED_VALUE
        u16(0x8018)  // TPM_ST_ATTEST_QUOTE
        let signerName = [UInt8(0x00), 0x0b] + Array(SHA256.hash(data: Array("forged signer".utf8)))
        u16(signerName.count)
        attest += signerName
        u16(extraData.count)
        attest += extraData
        u64(123_456)  // clock
        u32(1)  // resetCount
        u32(0)  // restartCount
        attest.append(1)  // safe
        u64(0x2000_0000_0000_0000)  // firmwareVersion
        u32(1)  // one PCR bank
        u16(0x000b)  // SHA-256
        attest.append(3)
        attest += bitmap
        u16(pcrDigest.count)
        attest += pcrDigest
        let signature = try key.signature(for: SHA256.hash(data: attest), padding: .insecurePKCS1v1_5)
        var pcrList: [String: String] = [:]
        for (index, value) in pcrs { pcrList[String(index)] = Hex.encode(value) }
        var quote: [String: Any] = [
            "message": Hex.encode(attest),
            "signature": Hex.encode(Array(signature.rawRepresentation)),
            "pcrs": pcrList,
        ]
        if pem {
            quote["ak_pem"] = key.publicKey.pemRepresentation
        } else {
            let der = Array(key.publicKey.pkcs1DERRepresentation)
            let (modulus, exponent) = try rsaComponents(pkcs1: der)
            quote["ak"] = ["kty": "RSA", "n": Base64URL.encode(modulus), "e": Base64URL.encode(exponent)]
        }
        let evidence = Array(try JSONSerialization.data(withJSONObject: quote, options: [.sortedKeys]))
        return EvidenceBundle(
            tee: .tpm,
            evidence: evidence,
            binding: binding,
            reportData: extraData,
            createdAt: Date(),
            producer: "forger"
        )
    }

    /// The modulus and exponent of a PKCS #1 RSAPublicKey (SEQUENCE { INTEGER n, INTEGER e }).
    static func rsaComponents(pkcs1 der: [UInt8]) throws -> ([UInt8], [UInt8]) {
        var index = 0
        func length() throws -> Int {
            let first = Int(der[index])
            index += 1
            guard first & 0x80 != 0 else { return first }
            var value = 0
            for _ in 0..<(first & 0x7f) {
                value = value << 8 | Int(der[index])
                index += 1
            }
            return value
        }
        func integer() throws -> [UInt8] {
            guard der[index] == 0x02 else { throw ForgeryError() }
            index += 1
            let count = try length()
            var bytes = Array(der[index..<(index + count)])
            index += count
            while bytes.first == 0, bytes.count > 1 { bytes.removeFirst() }
            return bytes
        }
        guard der.first == 0x30 else { throw ForgeryError() }
        index = 1
        _ = try length()
        return (try integer(), try integer())
    }

    struct ForgeryError: Error {}
}
