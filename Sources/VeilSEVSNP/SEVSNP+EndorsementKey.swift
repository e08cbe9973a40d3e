public import SwiftASN1
public import VeilAttestation
import X509

extension SEVSNP {
    /// The kind of key that signed a report.
    public enum SigningKeyKind: String, Sendable, Hashable {
        /// Versioned Chip Endorsement Key: per chip and TCB, issued by the ASK.
        case vcek
        /// Versioned Loaded Endorsement Key: per cloud provider, issued by the ASVK.
        case vlek
    }

    /// A VCEK or VLEK certificate with its AMD extensions decoded.
    public struct EndorsementKey: Sendable {
        public static let oidStructVersion: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 1]
        public static let oidProductName: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 2]
        public static let oidBootloader: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 1]
        public static let oidTEE: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 2]
        public static let oidSNP: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 3]
        public static let oidMicrocode: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 8]
        public static let oidFMC: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 9]
        public static let oidHardwareID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 4]
        public static let oidCSPID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 5]

        public let certificate: RawCertificate
        public let kind: SigningKeyKind
        /// productName, e.g. `Milan-B0`.
        public let productName: String?
        public let generation: Generation?
        public let bootloaderSPL: UInt8?
        public let teeSPL: UInt8?
        public let snpSPL: UInt8?
        public let microcodeSPL: UInt8?
        public let fmcSPL: UInt8?
        /// hwID: 64 bytes (8 on Turin); absent on VLEKs.
        public let hardwareID: [UInt8]?
        /// The cloud provider of a VLEK.
        public let cspID: String?

        /// Decodes the AMD extensions, tolerating the non-canonical encodings found in the field (a hwID as
        /// raw bytes or as a DER OCTET STRING).
        public init(_ certificate: RawCertificate) throws(AttestationError) {
            self.certificate = certificate
            let commonName = AttestationX509.commonName(certificate.subject)
            let ext = { (oid: ASN1ObjectIdentifier) in certificate.extensionValue(oid) }
            if commonName.uppercased().contains("VLEK") || ext(Self.oidCSPID) != nil {
                kind = .vlek
            } else {
                kind = .vcek
            }
            productName = ext(Self.oidProductName).flatMap(Self.string)
            generation = productName.flatMap(Generation.init(productName:))
            bootloaderSPL = try ext(Self.oidBootloader).map(Self.spl)
            teeSPL = try ext(Self.oidTEE).map(Self.spl)
            snpSPL = try ext(Self.oidSNP).map(Self.spl)
            microcodeSPL = try ext(Self.oidMicrocode).map(Self.spl)
            fmcSPL = try ext(Self.oidFMC).map(Self.spl)
            hardwareID = ext(Self.oidHardwareID).map(Self.octets)
            cspID = ext(Self.oidCSPID).flatMap(Self.string)
            guard P384KeyConversion.key(certificate) != nil else {
                throw AttestationError(.malformedCollateral, "the \(kind.rawValue.uppercased()) key is not P-384")
            }
        }

        static func spl(_ value: [UInt8]) throws(AttestationError) -> UInt8 {
            if let node = try? DER.parse(value), let number = try? Int(derEncoded: node),
                let byte = UInt8(exactly: number)
            {
                return byte
            }
            if value.count == 1 { return value[0] }
            throw AttestationError(.malformedCollateral, "a VCEK SPL extension is not an INTEGER 0...255")
        }

        static func string(_ value: [UInt8]) -> String? {
            if let node = try? DER.parse(value) {
                if let text = try? ASN1IA5String(derEncoded: node) { return String(text) }
                if let text = try? ASN1UTF8String(derEncoded: node) { return String(text) }
                if let text = try? ASN1PrintableString(derEncoded: node) { return String(text) }
            }
            return String(validating: value, as: UTF8.self)
        }

        static func octets(_ value: [UInt8]) -> [UInt8] {
            if value.count == 64 || value.count == 8 { return value }
            if let node = try? DER.parse(value), let octets = try? ASN1OctetString(derEncoded: node) {
                return Array(octets.bytes)
            }
            return value
        }
    }
}
