import Crypto
import Foundation
public import VeilAttestation
import _VeilBytes

/// Azure confidential VMs with a paravisor vTPM (SEV-SNP or TDX): the HCL report binds the vTPM's
/// attestation key to the hardware report, and a TPM quote carries the nonce and PCRs.
public enum AzureVTPM {
    /// The HCL (host compatibility layer) report: `HCLA` header, hardware report, runtime claims.
    public struct HCLReport: Sendable {
        /// The hardware report's type.
        public enum ReportType: UInt32, Sendable {
            case sevSNP = 2
            case tdx = 4
        }

        public let bytes: [UInt8]
        public let version: UInt32
        /// The hardware report: an SEV-SNP report (1184 bytes) or a TDREPORT (1024 bytes, zero padded).
        public let hardwareReport: [UInt8]
        public let reportType: ReportType
        /// 1 SHA-256, 2 SHA-384, 3 SHA-512.
        public let hashType: UInt32
        /// The runtime claims JSON, exactly as hashed.
        public let runtimeClaims: [UInt8]

        public init(_ bytes: [UInt8]) throws(AttestationError) {
            do {
                var cursor = ByteCursor(bytes)
                let magic = try cursor.readBytes(count: 4, "HCL signature")
                guard magic == Array("HCLA".utf8) else {
                    throw AttestationError(.malformedEvidence, "the HCL report does not start with HCLA")
                }
                version = try cursor.read(UInt32.self, .little, "HCL version")
                try cursor.seek(to: 0x20)
                hardwareReport = try cursor.readBytes(count: 1184, "hardware report")
                try cursor.seek(to: 0x4C0)
                _ = try cursor.read(UInt32.self, .little, "runtime data size")
                _ = try cursor.read(UInt32.self, .little, "runtime data version")
                let type = try cursor.read(UInt32.self, .little, "report type")
                guard let reportType = ReportType(rawValue: type) else {
                    throw AttestationError(.malformedEvidence, "HCL report type \(type) is neither SNP (2) nor TDX (4)")
                }
                self.reportType = reportType
                hashType = try cursor.read(UInt32.self, .little, "hash type")
                guard (1...3).contains(hashType) else {
                    throw AttestationError(.malformedEvidence, "HCL hash type \(hashType) is unknown")
                }
                runtimeClaims = Array(
                    try cursor.readLengthPrefixed(UInt32.self, .little, maxLength: 1 << 16, "runtime claims")
                )
            } catch let error as AttestationError {
                throw error
            } catch {
                throw AttestationError(.malformedEvidence, "HCL report: \(error)")
            }
            self.bytes = bytes
        }

        /// The hash of the runtime claims with the report's hash type.
        public var runtimeClaimsDigest: [UInt8] {
            switch hashType {
            case 2: return Array(SHA384.hash(data: runtimeClaims))
            case 3: return Array(SHA512.hash(data: runtimeClaims))
            default: return Array(SHA256.hash(data: runtimeClaims))
            }
        }

        /// The RSA attestation key `HCLAkPub` from the runtime claims (a JWK).
        public func attestationKeyJWK() throws(AttestationError) -> (modulus: [UInt8], exponent: [UInt8]) {
            guard let object = EvidenceJSON.object(runtimeClaims), let keys = object["keys"] as? [[String: Any]],
                let jwk = keys.first(where: { $0["kid"] as? String == "HCLAkPub" }),
                let n = (jwk["n"] as? String).flatMap({ try? Base64URL.decode($0) }),
                let e = (jwk["e"] as? String).flatMap({ try? Base64URL.decode($0) })
            else {
                throw AttestationError(.malformedEvidence, "the runtime claims carry no HCLAkPub key")
            }
            return (n, e)
        }
    }
}
