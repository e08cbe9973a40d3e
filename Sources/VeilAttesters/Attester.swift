import Foundation
public import VeilAttestation

/// An evidence producer inside a node: asks its TEE (or TPM, or the SIMULATED TEE) to sign 64 bytes of report
/// data and returns an ``EvidenceBundle`` with the collateral it can staple.
public protocol Attester: Sendable {
    /// The TEE this attester speaks to.
    var tee: AttestationPlatform { get }
    /// Evidence whose report data is exactly `reportData` (64 bytes).
    func evidence(reportData: [UInt8]) async throws(AttesterError) -> EvidenceBundle
}

extension Attester {
    /// Evidence bound to a nonce and the node's keys: the report data is ``ReportDataBinding/reportData`` and the
    /// bundle carries the binding inputs so that a verifier can recompute it.
    public func evidence(binding: ReportDataBinding) async throws(AttesterError) -> EvidenceBundle {
        var bundle = try await evidence(reportData: binding.reportData)
        bundle.binding = binding
        return bundle
    }

    /// Refuses report data that is not 64 bytes.
    func checkReportData(_ reportData: [UInt8]) throws(AttesterError) {
        guard reportData.count == ReportDataBinding.size else {
            throw AttesterError(
                .invalidReportData,
                "report data is \(reportData.count) bytes; every TEE signs exactly \(ReportDataBinding.size)"
            )
        }
    }
}
