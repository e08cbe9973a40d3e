public import Foundation
public import SwiftASN1
import X509

/// A certificate revocation list (RFC 5280 CertificateList), parsed structurally with SwiftASN1 and verified
/// with swift-crypto (ECDSA for Intel, RSASSA-PSS for AMD).
/// A certificate revocation list (RFC 5280), parsed structurally.
public struct CertificateRevocationList: Sendable, Hashable {
    public let der: [UInt8]
    public let tbsBytes: [UInt8]
    public let issuerDER: [UInt8]
    public let issuerCommonName: String
    public let thisUpdate: Date
    public let nextUpdate: Date?
    /// Revoked serial numbers (big-endian INTEGER contents).
    public let revokedSerials: Set<[UInt8]>
    public let signatureAlgorithm: ASN1ObjectIdentifier
    /// The DER of the signature algorithm's parameters (RSASSA-PSS), if any.
    public let signatureParameters: [UInt8]
    public let signature: [UInt8]

    public init(der: [UInt8]) throws(AttestationError) {
        do {
            let root = try DER.parse(der)
            guard case .constructed(let top) = root.content else { throw Bad.value }
            let parts = Array(top)
            guard parts.count == 3, case .constructed(let tbsChildren) = parts[0].content else { throw Bad.value }
            var fields = Array(tbsChildren)
            if let first = fields.first, first.identifier == .integer { fields.removeFirst() }
            guard fields.count >= 3 else { throw Bad.value }
            let issuer = try DistinguishedNameBytes(fields[1])
            issuerDER = issuer.der
            issuerCommonName = issuer.commonName
            thisUpdate = try AttestationX509.date(fields[2])
            var index = 3
            if index < fields.count,
                fields[index].identifier == .utcTime || fields[index].identifier == .generalizedTime
            {
                nextUpdate = try AttestationX509.date(fields[index])
                index += 1
            } else {
                nextUpdate = nil
            }
            var revoked: Set<[UInt8]> = []
            if index < fields.count, fields[index].identifier == .sequence,
                case .constructed(let entries) = fields[index].content
            {
                for entry in entries {
                    guard case .constructed(let items) = entry.content,
                        let serial = items.first(where: { _ in true })
                    else { throw Bad.value }
                    revoked.insert(Array(try ArraySlice<UInt8>(derEncoded: serial)))
                }
            }
            revokedSerials = revoked
            guard case .constructed(let algorithm) = parts[1].content,
                let oid = algorithm.first(where: { _ in true })
            else { throw Bad.value }
            signatureAlgorithm = try ASN1ObjectIdentifier(derEncoded: oid)
            let algorithmItems = Array(algorithm)
            if algorithmItems.count > 1 {
                var serializer = DER.Serializer()
                serializer.serialize(algorithmItems[1])
                signatureParameters = serializer.serializedBytes
            } else {
                signatureParameters = []
            }
            signature = Array(try ASN1BitString(derEncoded: parts[2]).bytes)
            tbsBytes = Array(parts[0].encodedBytes)
            self.der = der
        } catch let error as AttestationError {
            throw error
        } catch {
            throw AttestationError(.malformedCollateral, "a CRL could not be parsed: \(error)")
        }
    }

    private enum Bad: Error { case value }

    /// Whether `issuer` signed this CRL.
    public func isSigned(by issuer: RawCertificate) -> Bool {
        AttestationX509.isValidSignature(
            signature,
            over: tbsBytes,
            algorithm: signatureAlgorithm,
            parameters: signatureParameters,
            key: issuer.publicKey
        )
    }

    /// Whether a certificate's serial is listed.
    public func revokes(_ certificate: RawCertificate) -> Bool {
        revokedSerials.contains(certificate.serialNumber)
    }
}

/// The DER and common name of an X.501 name node.
struct DistinguishedNameBytes {
    let der: [UInt8]
    let commonName: String

    init(_ node: ASN1Node) throws {
        der = Array(node.encodedBytes)
        commonName = AttestationX509.commonName(try DistinguishedName(derEncoded: node))
    }
}
