import Crypto
import Foundation
public import _VeilBytes

extension JWE {
    /// The Concat KDF of NIST SP 800-56A §5.8.1 as JOSE profiles it for ECDH-ES (RFC 7518 §4.6.2), over SHA-256:
    /// `K(i) = SHA-256(u32(i) ‖ Z ‖ OtherInfo)`, `OtherInfo = AlgorithmID ‖ PartyUInfo ‖ PartyVInfo ‖ SuppPubInfo`,
    /// where AlgorithmID, PartyUInfo and PartyVInfo are each a big-endian u32 length then the bytes, and SuppPubInfo
    /// is the key length in bits as a big-endian u32. For `ECDH-ES+A256KW` the AlgorithmID is the `alg` value and
    /// the key is 256 bits; for direct `ECDH-ES` it is the `enc` value.
    ///
    /// - Parameters:
    ///   - sharedSecret: Z, the ECDH output.
    ///   - algorithm: the AlgorithmID text.
    ///   - keyBitCount: the derived key's length in bits (a multiple of 8).
    ///   - partyUInfo: the decoded `apu` (empty when absent).
    ///   - partyVInfo: the decoded `apv` (empty when absent).
    public static func concatKDF(
        sharedSecret: SecureBytes,
        algorithm: String,
        keyBitCount: Int,
        partyUInfo: [UInt8] = [],
        partyVInfo: [UInt8] = []
    ) -> SecureBytes {
        precondition(keyBitCount > 0 && keyBitCount % 8 == 0, "the Concat KDF derives whole bytes")
        var otherInfo = ByteWriter()
        let algorithmID = Array(algorithm.utf8)
        otherInfo.write(UInt32(algorithmID.count), .big)
        otherInfo.write(contentsOf: algorithmID)
        otherInfo.write(UInt32(partyUInfo.count), .big)
        otherInfo.write(contentsOf: partyUInfo)
        otherInfo.write(UInt32(partyVInfo.count), .big)
        otherInfo.write(contentsOf: partyVInfo)
        otherInfo.write(UInt32(keyBitCount), .big)

        let byteCount = keyBitCount / 8
        var derived = SecureBytes(reservingCapacity: byteCount + SHA256.byteCount)
        var counter: UInt32 = 1
        while derived.count < byteCount {
            var hasher = SHA256()
            var counterBytes = ByteWriter()
            counterBytes.write(counter, .big)
            hasher.update(data: counterBytes.bytes)
            hasher.update(secure: sharedSecret)
            hasher.update(data: otherInfo.bytes)
            let round = SymmetricKey(data: hasher.finalize()).secureBytes()
            derived.append(contentsOf: round.prefix(byteCount - derived.count))
            counter += 1
        }
        return derived
    }
}
