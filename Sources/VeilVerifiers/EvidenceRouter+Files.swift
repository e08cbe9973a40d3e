public import Foundation
public import VeilAttestation

extension EvidenceRouter {
    /// Evidence is kilobytes; a file above this is refused unread (appraised as unrecognised).
    public static let maximumEvidenceSize = 16 << 20

    /// Why evidence files could not be verified: a file is unreadable or the policy is unusable. ``description`` is
    /// the sentence to show.
    public struct FileError: Error, CustomStringConvertible, Sendable {
        /// What went wrong.
        public let description: String
    }

    /// Verifies and appraises the evidence in the file at `evidence` with the policy file at `policy` (the strict
    /// baseline without one) and the collateral at `collateral` (a directory or file), at `time` and for `nonce`,
    /// with `flags` added to the policy's options. A file larger than ``maximumEvidenceSize`` is appraised as
    /// unrecognised without being read.
    ///
    /// - Throws: ``FileError`` when a file is unreadable or the policy does not decode; what ``verify(_:document:context:)``
    ///   throws.
    public static func verifyFile(
        _ evidence: String,
        policy: String?,
        collateral: String?,
        time: Date,
        nonce: [UInt8]?,
        flags: VerificationOptions
    ) throws -> AttestationResult {
        let size = (try? FileManager.default.attributesOfItem(atPath: evidence)[.size] as? Int) ?? 0
        guard size <= maximumEvidenceSize else {
            return Appraiser.appraise(
                VerificationReport.unrecognised(count: size),
                policies: PolicySet([]),
                context: VerificationContext(time: time)
            )
        }
        guard let data = FileManager.default.contents(atPath: evidence) else {
            throw FileError(description: "cannot read the evidence file \(evidence).")
        }
        var document = PolicyDocument.baseline
        if let policy {
            guard let policyData = FileManager.default.contents(atPath: policy) else {
                throw FileError(description: "cannot read the policy file \(policy).")
            }
            do {
                document = try PolicyDocument.decode(policyData)
            } catch {
                throw FileError(description: "\(error.reason)")
            }
        }
        var provider: any CollateralProvider = BundleCollateralProvider()
        if let collateral {
            guard FileManager.default.fileExists(atPath: collateral) else {
                throw FileError(description: "the collateral path \(collateral) does not exist.")
            }
            provider = FileCollateralProvider(url: URL(fileURLWithPath: collateral))
        }
        let context = VerificationContext(
            time: time,
            nonce: nonce,
            options: flags.union(document.options),
            collateral: provider
        )
        return try verify(Array(data), document: document, context: context)
    }
}
