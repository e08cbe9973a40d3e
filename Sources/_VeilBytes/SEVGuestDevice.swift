import _CVeilBytes

#if canImport(Glibc)
import Glibc
#endif

/// The legacy SEV-SNP guest device (`/dev/sev-guest`, Linux 5.19+): the SNP_GET_EXT_REPORT ioctl, wrapped so
/// that no pointer leaves this module. configfs-tsm is preferred where the kernel has it.
public enum SEVGuestDevice {
    /// An ioctl failure: the errno and the firmware / VMM error codes.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// The errno of the ioctl.
        public let errno: Int32
        /// The firmware's error code (exitinfo2, low half).
        public let firmwareError: UInt32
        /// The VMM's error code (exitinfo2, high half).
        public let vmmError: UInt32
        public var description: String {
            "\(String(cString: strerror(errno))) (firmware error \(firmwareError), VMM error \(vmmError))"
        }
    }

    /// The report (1184 bytes) and the host's certificate table (possibly empty) for 64 bytes of report data.
    public static func extendedReport(
        path: String = "/dev/sev-guest",
        reportData: [UInt8],
        vmpl: UInt32 = 0
    ) throws(Failure) -> (report: [UInt8], certificateTable: [UInt8]) {
        precondition(reportData.count == 64, "SNP report data is 64 bytes")
        var capacity: UInt32 = 4 * 4096
        for _ in 0..<3 {
            var response = [UInt8](repeating: 0, count: 4000)
            var certificates = [UInt8](repeating: 0, count: Int(capacity))
            var length = capacity
            var exitInfo: UInt64 = 0
            let result = c_veil_snp_get_ext_report(path, reportData, vmpl, &response, &certificates, &length, &exitInfo)
            let vmmError = UInt32(truncatingIfNeeded: exitInfo >> 32)
            if result == 0 {
                // msg_report_rsp: status (u32), report_size (u32), 24 reserved bytes, then the report.
                let size = Int(
                    UInt32(response[4]) | UInt32(response[5]) << 8 | UInt32(response[6]) << 16
                        | UInt32(response[7]) << 24
                )
                let status = UInt32(response[0]) | UInt32(response[1]) << 8
                guard status == 0, size >= 1184, size <= 4000 - 32 else {
                    throw Failure(errno: EIO, firmwareError: status, vmmError: 0)
                }
                let used = min(Int(length), certificates.count)
                return (Array(response[32..<(32 + 1184)]), Array(certificates.prefix(used)))
            }
            // SNP_GUEST_VMM_ERR_INVALID_LEN (1): the certificate buffer was too small; the length says how big.
            if vmmError == 1, length > capacity, length <= 1 << 20 {
                capacity = (length + 4095) / 4096 * 4096
                continue
            }
            throw Failure(errno: -result, firmwareError: UInt32(truncatingIfNeeded: exitInfo), vmmError: vmmError)
        }
        throw Failure(errno: ENOSPC, firmwareError: 0, vmmError: 1)
    }
}
