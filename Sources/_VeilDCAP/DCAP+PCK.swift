import Foundation
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

    /// A certificate revocation list (shared with the other verifiers).
    public typealias CRL = CertificateRevocationList
}
