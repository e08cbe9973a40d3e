public import Foundation
public import SwiftASN1
public import VeilAttestation

extension DCAP {
    /// The Intel SGX extension of a PCK certificate (1.2.840.113741.1.13.1).
    public struct PCKExtension: Sendable, Hashable {
        public static let oid: ASN1ObjectIdentifier = [1, 2, 840, 113_741, 1, 13, 1]

        /// The 16 TCB component SVNs.
        public let componentSVNs: [UInt8]
        public let pceSVN: UInt16
        public let cpuSVN: [UInt8]
        public let pceID: [UInt8]
        public let fmspc: [UInt8]
        public let ppid: [UInt8]

        public init(_ certificate: RawCertificate) throws(AttestationError) {
            guard let value = certificate.extensionValue(Self.oid) else {
                throw AttestationError(.malformedCollateral, "the PCK certificate has no SGX extension")
            }
            do {
                var components = [UInt8](repeating: 0, count: 16)
                var pceSVN: UInt16?
                var cpuSVN: [UInt8] = []
                var pceID: [UInt8]?
                var fmspc: [UInt8]?
                var ppid: [UInt8] = []
                for (oid, node) in try Self.pairs(DER.parse(value)) {
                    let arcs = Array(oid.oidComponents)
                    guard arcs.count == 8 else { continue }
                    switch arcs[7] {
                    case 1: ppid = Array(try ASN1OctetString(derEncoded: node).bytes)
                    case 2:
                        for (tcbOID, tcbNode) in try Self.pairs(node) {
                            let tcbArcs = Array(tcbOID.oidComponents)
                            guard tcbArcs.count == 9 else { continue }
                            let index = Int(tcbArcs[8])
                            switch index {
                            case 1...16:
                                let svn = try Int(derEncoded: tcbNode)
                                guard let byte = UInt8(exactly: svn) else { throw Bad.value }
                                components[index - 1] = byte
                            case 17:
                                guard let svn = UInt16(exactly: try Int(derEncoded: tcbNode)) else { throw Bad.value }
                                pceSVN = svn
                            case 18: cpuSVN = Array(try ASN1OctetString(derEncoded: tcbNode).bytes)
                            default: break
                            }
                        }
                    case 3: pceID = Array(try ASN1OctetString(derEncoded: node).bytes)
                    case 4: fmspc = Array(try ASN1OctetString(derEncoded: node).bytes)
                    default: break
                    }
                }
                guard let pceSVN, let pceID, let fmspc, fmspc.count == 6, pceID.count == 2 else { throw Bad.value }
                self.componentSVNs = components
                self.pceSVN = pceSVN
                self.cpuSVN = cpuSVN
                self.pceID = pceID
                self.fmspc = fmspc
                self.ppid = ppid
            } catch {
                throw AttestationError(
                    .malformedCollateral,
                    "the PCK certificate's SGX extension is malformed: \(error)"
                )
            }
        }

        private enum Bad: Error { case value }

        /// The (OID, value) pairs of a SEQUENCE OF SEQUENCE { OID, value }.
        private static func pairs(_ node: ASN1Node) throws -> [(ASN1ObjectIdentifier, ASN1Node)] {
            guard case .constructed(let children) = node.content else { throw Bad.value }
            var out: [(ASN1ObjectIdentifier, ASN1Node)] = []
            for child in children {
                guard case .constructed(let items) = child.content else { throw Bad.value }
                let list = Array(items)
                guard list.count == 2 else { throw Bad.value }
                out.append((try ASN1ObjectIdentifier(derEncoded: list[0]), list[1]))
            }
            return out
        }
    }

    /// A certificate revocation list (RFC 5280), parsed structurally.
    public struct CRL: Sendable, Hashable {
        public let der: [UInt8]
        public let tbsBytes: [UInt8]
        public let issuerDER: [UInt8]
        public let issuerCommonName: String
        public let thisUpdate: Date
        public let nextUpdate: Date?
        /// Revoked serial numbers (big-endian INTEGER contents).
        public let revokedSerials: Set<[UInt8]>
        public let signatureAlgorithm: ASN1ObjectIdentifier
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
                parameters: [],
                key: issuer.publicKey
            )
        }

        /// Whether a certificate's serial is listed.
        public func revokes(_ certificate: RawCertificate) -> Bool {
            revokedSerials.contains(certificate.serialNumber)
        }
    }
}

import X509

/// The DER and common name of an X.501 name node.
struct DistinguishedNameBytes {
    let der: [UInt8]
    let commonName: String

    init(_ node: ASN1Node) throws {
        der = Array(node.encodedBytes)
        commonName = AttestationX509.commonName(try DistinguishedName(derEncoded: node))
    }
}
