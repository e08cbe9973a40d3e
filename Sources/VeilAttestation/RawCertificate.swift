public import Foundation
public import SwiftASN1
public import X509

/// An X.509 certificate parsed structurally with SwiftASN1, whatever its signature algorithm.
///
/// swift-certificates refuses certificates signed with RSASSA-PSS (as every AMD certificate is), so the
/// attestation verifiers read certificates through this type and verify signatures with swift-crypto.
public struct RawCertificate: Sendable, Hashable, CustomStringConvertible {
    /// The whole DER encoding.
    public let der: [UInt8]
    /// The DER of the TBSCertificate: the signed bytes.
    public let tbsBytes: [UInt8]
    public let serialNumber: [UInt8]
    public let issuer: DistinguishedName
    public let subject: DistinguishedName
    public let notValidBefore: Date
    public let notValidAfter: Date
    /// The subject public key (P-256, P-384, RSA…).
    public let publicKey: Certificate.PublicKey
    /// The signature algorithm OID.
    public let signatureAlgorithm: ASN1ObjectIdentifier
    /// The DER of the signature algorithm's parameters, if any.
    public let signatureParameters: [UInt8]
    /// The signature BIT STRING contents.
    public let signature: [UInt8]
    /// Extension values by OID (the OCTET STRING contents).
    public let extensions: [ASN1ObjectIdentifier: [UInt8]]

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.der == rhs.der }
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }

    /// The subject common name.
    public var commonName: String { AttestationX509.commonName(subject) }
    /// The issuer common name.
    public var issuerCommonName: String { AttestationX509.commonName(issuer) }

    public var description: String { "certificate \(commonName) issued by \(issuerCommonName)" }

    /// Parses DER.
    public init(der: [UInt8]) throws(AttestationError) {
        do {
            let root = try DER.parse(der)
            guard case .constructed(let top) = root.content else { throw Malformed.structure }
            var parts = top.makeIterator()
            guard let tbs = parts.next(), let algorithm = parts.next(), let signatureNode = parts.next(),
                parts.next() == nil
            else { throw Malformed.structure }
            guard case .constructed(let tbsChildren) = tbs.content else { throw Malformed.structure }
            var fields = Array(tbsChildren)
            // Optional explicit [0] version.
            if let first = fields.first,
                first.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
            {
                fields.removeFirst()
            }
            guard fields.count >= 6 else { throw Malformed.structure }
            serialNumber = Array(try ArraySlice<UInt8>(derEncoded: fields[0]))
            issuer = try DistinguishedName(derEncoded: fields[2])
            guard case .constructed(let validity) = fields[3].content else { throw Malformed.structure }
            let times = Array(validity)
            guard times.count == 2 else { throw Malformed.structure }
            notValidBefore = try AttestationX509.date(times[0])
            notValidAfter = try AttestationX509.date(times[1])
            subject = try DistinguishedName(derEncoded: fields[4])
            publicKey = try Certificate.PublicKey(derEncoded: fields[5])
            var extensions: [ASN1ObjectIdentifier: [UInt8]] = [:]
            for field in fields.dropFirst(6)
            where field.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific) {
                guard case .constructed(let wrapper) = field.content, let list = wrapper.first(where: { _ in true }),
                    case .constructed(let entries) = list.content
                else { throw Malformed.structure }
                for entry in entries {
                    guard case .constructed(let items) = entry.content else { throw Malformed.structure }
                    let values = Array(items)
                    guard values.count >= 2 else { throw Malformed.structure }
                    let oid = try ASN1ObjectIdentifier(derEncoded: values[0])
                    let value = try ASN1OctetString(derEncoded: values[values.count - 1])
                    extensions[oid] = Array(value.bytes)
                }
            }
            self.extensions = extensions
            // RFC 5280 §4.1.1.2: the signed algorithm must equal the outer one.
            guard Array(fields[1].encodedBytes) == Array(algorithm.encodedBytes) else { throw Malformed.algorithm }
            guard case .constructed(let algorithmParts) = algorithm.content else { throw Malformed.structure }
            let algorithmItems = Array(algorithmParts)
            guard let oidNode = algorithmItems.first else { throw Malformed.structure }
            signatureAlgorithm = try ASN1ObjectIdentifier(derEncoded: oidNode)
            if algorithmItems.count > 1 {
                var serializer = DER.Serializer()
                serializer.serialize(algorithmItems[1])
                signatureParameters = serializer.serializedBytes
            } else {
                signatureParameters = []
            }
            signature = Array(try ASN1BitString(derEncoded: signatureNode).bytes)
            tbsBytes = Array(tbs.encodedBytes)
            self.der = der
        } catch let error as AttestationError {
            throw error
        } catch {
            throw AttestationError(.malformedCollateral, "a certificate could not be parsed: \(error)")
        }
    }

    private enum Malformed: Error, CustomStringConvertible {
        case structure
        case algorithm
        var description: String {
            switch self {
            case .structure: return "the DER structure is not an X.509 certificate"
            case .algorithm: return "the inner and outer signature algorithms differ"
            }
        }
    }

    /// An extension value.
    public func extensionValue(_ oid: ASN1ObjectIdentifier) -> [UInt8]? { extensions[oid] }
}
