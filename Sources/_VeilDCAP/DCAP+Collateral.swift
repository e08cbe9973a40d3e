public import VeilAttestation
import Foundation
import _VeilBytes

extension DCAP {
    /// Intel collateral classified by content: the QVL `collateral.json` bundle, PCS response bodies
    /// (`{"tcbInfo":…,"signature":…}`, `{"enclaveIdentity":…,"signature":…}`), PEM issuer chains and DER CRLs.
    public struct Collateral: Sendable {
        public var tcbInfo: Signed<TCBInfo>?
        public var qeIdentity: Signed<EnclaveIdentity>?
        public var certificates: [RawCertificate] = []
        public var crls: [CRL] = []

        public init() {}

        public init(provider: any CollateralProvider) throws(AttestationError) {
            for item in try provider.items() { try add(name: item.name, bytes: item.bytes) }
        }

        /// Adds one collateral item.
        public mutating func add(name: String, bytes: [UInt8]) throws(AttestationError) {
            // A PCS issuer chain as served in its HTTP header is percent-encoded PEM.
            let text = String(decoding: bytes.prefix(64), as: UTF8.self)
            if text.contains("-----BEGIN%20") || text.contains("%2D%2D%2D%2D%2DBEGIN"),
                let decoded = String(decoding: bytes, as: UTF8.self).removingPercentEncoding
            {
                try add(name: name, bytes: Array(decoded.utf8))
                return
            }
            // A CRL stored as hex text.
            let compact = bytes.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            if compact.count >= 64, compact.count % 2 == 0, compact.starts(with: Array("30".utf8)),
                compact.allSatisfy({
                    (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0)
                }),
                let der = try? Hex.decode(String(decoding: compact, as: UTF8.self))
            {
                try add(name: name, bytes: der)
                return
            }
            let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            if first == UInt8(ascii: "{") {
                try addJSON(bytes)
            } else if AttestationX509.isPEM(bytes) {
                let text = String(decoding: bytes, as: UTF8.self)
                certificates += try AttestationX509.certificates(pem: bytes)
                if text.contains("BEGIN X509 CRL") {
                    for block in Self.pemBlocks(text, label: "X509 CRL") { crls.append(try CRL(der: block)) }
                }
            } else if bytes.first == 0x30 {
                if let certificate = try? RawCertificate(der: bytes) {
                    certificates.append(certificate)
                } else if let crl = try? CRL(der: bytes) {
                    crls.append(crl)
                } else if [".der", ".crl", ".cer", ".crt"].contains(where: name.hasSuffix) {
                    throw AttestationError(.malformedCollateral, "\(name) is neither a DER certificate nor a DER CRL")
                }
            }
        }

        private mutating func addJSON(_ bytes: [UInt8]) throws(AttestationError) {
            let members = try RawJSON.members(bytes)
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
            if let raw = members["tcbInfo"], let signature = object["signature"] as? String {
                tcbInfo = try Signed(raw: Array(raw), signatureHex: signature)
            }
            if let raw = members["enclaveIdentity"], let signature = object["signature"] as? String {
                qeIdentity = try Signed(raw: Array(raw), signatureHex: signature)
            }
            // The QVL bundle: inner JSON as strings, signatures and CRLs as hex.
            if let raw = object["tcb_info"] as? String, let signature = object["tcb_info_signature"] as? String {
                tcbInfo = try Signed(raw: Array(raw.utf8), signatureHex: signature)
            }
            if let raw = object["qe_identity"] as? String, let signature = object["qe_identity_signature"] as? String {
                qeIdentity = try Signed(raw: Array(raw.utf8), signatureHex: signature)
            }
            for key in ["tcb_info_issuer_chain", "qe_identity_issuer_chain", "pck_crl_issuer_chain"] {
                if let pem = object[key] as? String {
                    certificates += try AttestationX509.certificates(pem: Array(pem.utf8))
                }
            }
            for key in ["pck_crl", "root_ca_crl"] {
                guard let text = object[key] as? String else { continue }
                guard let der = try? Hex.decode(text) else {
                    throw AttestationError(.malformedCollateral, "\(key) is not hex-encoded DER")
                }
                crls.append(try CRL(der: der))
            }
        }

        static func pemBlocks(_ text: String, label: String) -> [[UInt8]] {
            var out: [[UInt8]] = []
            let begin = "-----BEGIN \(label)-----"
            let end = "-----END \(label)-----"
            var rest = Substring(text)
            while let start = rest.range(of: begin),
                let stop = rest.range(of: end, range: start.upperBound..<rest.endIndex)
            {
                let body = rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
                if let der = try? Base64.decode(String(body)) { out.append(der) }
                rest = rest[stop.upperBound...]
            }
            return out
        }

        /// The TCB signing certificate (signs TCB info and QE identity).
        var tcbSigningCertificate: RawCertificate? {
            certificates.first { $0.commonName == "Intel SGX TCB Signing" }
        }
    }
}
