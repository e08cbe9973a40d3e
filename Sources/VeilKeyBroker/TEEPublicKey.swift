import Crypto
import Foundation
import _VeilBytes

/// Checks on the TEE's public key from `runtime-data.tee-pubkey` (a JWK: EC P-256 or RSA).
public enum TEEPublicKey {
    /// The RFC 7638 thumbprint of an EC (`crv`, `kty`, `x`, `y`) or RSA (`e`, `kty`, `n`) public JWK.
    public static func thumbprint(_ jwk: [String: String]) throws(KeyBrokerError) -> String {
        let required: [String]
        switch jwk["kty"] {
        case "EC":
            guard jwk["crv"] == "P-256" else { throw KeyBrokerError(.badRequest, "tee-pubkey: only P-256 EC keys") }
            required = ["crv", "kty", "x", "y"]
        case "RSA": required = ["e", "kty", "n"]
        default: throw KeyBrokerError(.badRequest, "tee-pubkey must be an EC P-256 or RSA JWK")
        }
        var members: [String] = []
        for name in required {
            guard let value = jwk[name], !value.isEmpty, value.utf8.count <= 2048,
                value.utf8.allSatisfy({ $0 != 0x22 && $0 != 0x5C && $0 >= 0x20 })
            else { throw KeyBrokerError(.badRequest, "tee-pubkey lacks a valid \(name)") }
            members.append("\"\(name)\":\"\(value)\"")
        }
        let canonical = "{" + members.joined(separator: ",") + "}"
        return Base64URL.encode(Array(SHA256.hash(data: Array(canonical.utf8))))
    }
}
