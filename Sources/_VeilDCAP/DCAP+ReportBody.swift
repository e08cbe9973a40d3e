public import VeilAttestation
import _VeilBytes

extension DCAP {
    /// An SGX enclave REPORTBODY (384 bytes): the ISV enclave of an SGX quote, or the Quoting Enclave.
    public struct EnclaveReportBody: Sendable, Hashable {
        public static let size = 384
        public let bytes: [UInt8]
        public let cpuSVN: [UInt8]
        public let miscSelect: UInt32
        public let attributes: [UInt8]
        public let mrEnclave: [UInt8]
        public let mrSigner: [UInt8]
        public let isvProdID: UInt16
        public let isvSVN: UInt16
        public let reportData: [UInt8]

        public init(_ bytes: [UInt8]) throws(AttestationError) {
            guard bytes.count == Self.size else {
                throw AttestationError(.malformedEvidence, "an enclave report body is 384 bytes, not \(bytes.count)")
            }
            do {
                var cursor = ByteCursor(bytes)
                cpuSVN = try cursor.readBytes(count: 16, "CPUSVN")
                miscSelect = try cursor.read(UInt32.self, .little, "MISCSELECT")
                try cursor.seek(to: 48)
                attributes = try cursor.readBytes(count: 16, "ATTRIBUTES")
                mrEnclave = try cursor.readBytes(count: 32, "MRENCLAVE")
                try cursor.seek(to: 128)
                mrSigner = try cursor.readBytes(count: 32, "MRSIGNER")
                try cursor.seek(to: 256)
                isvProdID = try cursor.read(UInt16.self, .little, "ISVPRODID")
                isvSVN = try cursor.read(UInt16.self, .little, "ISVSVN")
                try cursor.seek(to: 320)
                reportData = try cursor.readBytes(count: 64, "REPORTDATA")
            } catch {
                throw AttestationError(.malformedEvidence, "enclave report body: \(error)")
            }
            self.bytes = bytes
        }

        /// ATTRIBUTES.DEBUG (bit 1 of byte 0).
        public var isDebug: Bool { attributes[0] & 0x02 != 0 }
    }

    /// A TDX TD report body: TD10 (584 bytes) or TD15 (648 bytes).
    public struct TDReportBody: Sendable, Hashable {
        public let bytes: [UInt8]
        public let teeTCBSVN: [UInt8]
        public let mrSeam: [UInt8]
        public let mrSignerSeam: [UInt8]
        public let seamAttributes: [UInt8]
        public let tdAttributes: [UInt8]
        public let xfam: [UInt8]
        public let mrTD: [UInt8]
        public let mrConfigID: [UInt8]
        public let mrOwner: [UInt8]
        public let mrOwnerConfig: [UInt8]
        public let rtmrs: [[UInt8]]
        public let reportData: [UInt8]
        public let teeTCBSVN2: [UInt8]?
        public let mrServiceTD: [UInt8]?

        public init(_ bytes: [UInt8]) throws(AttestationError) {
            guard bytes.count == 584 || bytes.count == 648 else {
                throw AttestationError(.malformedEvidence, "a TD report body is 584 or 648 bytes, not \(bytes.count)")
            }
            do {
                var cursor = ByteCursor(bytes)
                teeTCBSVN = try cursor.readBytes(count: 16, "TEE_TCB_SVN")
                mrSeam = try cursor.readBytes(count: 48, "MRSEAM")
                mrSignerSeam = try cursor.readBytes(count: 48, "MRSIGNERSEAM")
                seamAttributes = try cursor.readBytes(count: 8, "SEAMATTRIBUTES")
                tdAttributes = try cursor.readBytes(count: 8, "TDATTRIBUTES")
                xfam = try cursor.readBytes(count: 8, "XFAM")
                mrTD = try cursor.readBytes(count: 48, "MRTD")
                mrConfigID = try cursor.readBytes(count: 48, "MRCONFIGID")
                mrOwner = try cursor.readBytes(count: 48, "MROWNER")
                mrOwnerConfig = try cursor.readBytes(count: 48, "MROWNERCONFIG")
                var rtmrs: [[UInt8]] = []
                for index in 0..<4 { rtmrs.append(try cursor.readBytes(count: 48, "RTMR\(index)")) }
                self.rtmrs = rtmrs
                reportData = try cursor.readBytes(count: 64, "REPORTDATA")
                if bytes.count == 648 {
                    teeTCBSVN2 = try cursor.readBytes(count: 16, "TEE_TCB_SVN2")
                    mrServiceTD = try cursor.readBytes(count: 48, "MRSERVICETD")
                } else {
                    teeTCBSVN2 = nil
                    mrServiceTD = nil
                }
            } catch {
                throw AttestationError(.malformedEvidence, "TD report body: \(error)")
            }
            self.bytes = bytes
        }

        /// TDATTRIBUTES.TUD.DEBUG (bit 0).
        public var isDebug: Bool { tdAttributes[0] & 0x01 != 0 }
    }
}
