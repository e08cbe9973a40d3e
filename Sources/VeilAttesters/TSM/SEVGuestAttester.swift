import Foundation
public import VeilAttestation
import _VeilBytes

/// SEV-SNP evidence through the legacy guest device (`/dev/sev-guest`, the SNP_GET_EXT_REPORT ioctl): the
/// fallback for kernels without configfs-tsm. The host's certificate table is stapled as with `auxblob`.
public struct SEVGuestAttester: Attester {
    public var tee: AttestationPlatform { .sevSNP }
    /// The device path.
    public let path: String
    /// The VMPL to request the report for (0–3).
    public let vmpl: UInt32

    /// An attester for the device at `path`, requesting reports for `vmpl`.
    public init(path: String = "/dev/sev-guest", vmpl: UInt32 = 0) {
        self.path = path
        self.vmpl = vmpl
    }

    public func evidence(reportData: [UInt8]) async throws(AttesterError) -> EvidenceBundle {
        try checkReportData(reportData)
        guard FileManager.default.fileExists(atPath: path) else {
            throw AttesterError(.unavailable, "\(path) does not exist: this is not an SEV-SNP guest")
        }
        let result: (report: [UInt8], certificateTable: [UInt8])
        do {
            result = try SEVGuestDevice.extendedReport(path: path, reportData: reportData, vmpl: vmpl)
        } catch {
            throw AttesterError(.io, "SNP_GET_EXT_REPORT on \(path) failed: \(error)")
        }
        let evidence = try ConfigFSTSMAttester.checkedEvidence(result.report, tee: .sevSNP, reportData: reportData)
        let table = result.certificateTable
        let collateral =
            table.isEmpty || table.allSatisfy({ $0 == 0 }) ? [] : try SNPCertificateTable.parse(table).items
        return EvidenceBundle(
            tee: .sevSNP,
            evidence: evidence,
            collateral: collateral,
            reportData: reportData,
            createdAt: Date(),
            producer: "sev-guest ioctl"
        )
    }
}
