import Foundation
import _VeilBytes

extension EvidenceBundle {
    /// Verifies an evidence bundle: decodes it, runs the platform verifier for its TEE with the stapled
    /// collateral added to the context's, then checks the report-data binding (`bundle.binding`). The binding
    /// inputs become claims (`binding_nonce`, `binding_public_key_<i>`, `binding_init_data`, `kbs_nonce`), and
    /// the expected nonce is compared with `binding_nonce` (see ``NonceMatches``).
    public struct Verifier: Sendable {
        /// The platform verifiers, one per TEE type (SEV-SNP, TDX, TPM, simulated …).
        public let verifiers: [any AttestationVerifier]

        /// A verifier that dispatches on the bundle's `tee` to one of `verifiers`.
        public init(verifiers: [any AttestationVerifier]) { self.verifiers = verifiers }

        /// Verifies bundle bytes. Never throws: every failure is a failed check.
        public func verify(_ bytes: [UInt8], context: VerificationContext) -> VerificationReport {
            let bundle: EvidenceBundle
            do {
                bundle = try EvidenceBundle(json: bytes)
            } catch {
                return .malformed(nil, name: "bundle.parse", error: error)
            }
            guard let verifier = verifiers.first(where: { $0.platform == bundle.tee }) else {
                return .malformed(
                    bundle.tee,
                    name: "bundle.parse",
                    error: AttestationError(.unknownEvidenceType, "no verifier for TEE \(bundle.tee.rawValue)")
                )
            }
            var inner = context
            let (stapled, ignored) = Self.usableStapledCollateral(bundle)
            inner.collateral = StapledCollateralProvider(stapled: stapled, base: context.collateral)
            let report = verifier.verify(bundle.evidence, context: inner)
            var recorder = CheckRecorder()
            let parsed = VerificationCheck(
                name: "bundle.parse",
                passed: true,
                detail: "\(bundle.tee.rawValue) evidence bundle from \(bundle.producer), "
                    + "\(stapled.count) stapled collateral item(s)"
                    + (ignored.isEmpty
                        ? ""
                        : "; ignored \(ignored.joined(separator: ", ")): a bundle cannot supply its own trust anchor"),
                kind: .authenticity
            )
            guard let claims = report.claims else {
                return VerificationReport(
                    platform: report.platform ?? bundle.tee,
                    checks: [parsed] + report.checks,
                    claims: nil,
                    unverifiedClaims: report.unverifiedClaims
                )
            }
            let bound = Self.checkBinding(bundle, evidenceReportData: claims.reportData, recorder: &recorder)
            let checks = [parsed] + report.checks + recorder.checks
            guard bound else {
                return VerificationReport(
                    platform: claims.platform,
                    checks: checks,
                    claims: nil,
                    unverifiedClaims: claims.claims
                )
            }
            var merged = claims.claims
            switch bundle.binding {
            case .veil(let nonce, let keys, let initData):
                merged["binding_nonce"] = .bytes(nonce)
                for (index, key) in keys.enumerated() { merged["binding_public_key_\(index)"] = .bytes(key) }
                if let initData { merged["binding_init_data"] = .bytes(initData) }
            case .kbs:
                if let nonce = bundle.binding?.kbsNonce { merged["kbs_nonce"] = .string(nonce) }
            case nil:
                break
            }
            let verified = VerifiedClaims(
                platform: claims.platform,
                claims: merged,
                isDebug: claims.isDebug,
                tcbStatus: claims.tcbStatus,
                advisoryIDs: claims.advisoryIDs,
                reportData: claims.reportData,
                missingCollateral: claims.missingCollateral,
                checks: checks,
                context: context
            )
            return VerificationReport(
                platform: claims.platform,
                checks: checks,
                claims: verified,
                unverifiedClaims: merged
            )
        }

        /// Stapled collateral a verifier may use. SEV-SNP and DCAP chains end at roots compiled into the verifier,
        /// so stapled certificates are safe. For the TPM and the SIMULATED TEE a key or certificate in the
        /// collateral *is* the trust anchor (a pinned AK, an AK chain's root, the pinned dev root key), and the
        /// bundle is the attester's word: there only opaque items (the TPM event log) are taken from the bundle;
        /// PEM, DER and JSON items are ignored and named in `bundle.parse`.
        static func usableStapledCollateral(_ bundle: EvidenceBundle) -> (usable: [Item], ignored: [String]) {
            guard bundle.tee == .tpm || bundle.tee == .simulated else { return (bundle.collateral, []) }
            var usable: [Item] = []
            var ignored: [String] = []
            let pemMarker = Array("-----BEGIN".utf8)
            for item in bundle.collateral {
                // Anywhere in the item, not only where a verifier looks: an anchor-shaped item is never usable.
                let hasPEM =
                    item.bytes.count >= pemMarker.count
                    && (0...(item.bytes.count - pemMarker.count)).contains {
                        item.bytes[$0] == pemMarker[0] && Array(item.bytes[$0..<($0 + pemMarker.count)]) == pemMarker
                    }
                let anchor = hasPEM || EvidenceJSON.looksLikeJSON(item.bytes) || item.bytes.first == 0x30
                if anchor { ignored.append(item.name) } else { usable.append(item) }
            }
            return (usable, ignored)
        }

        /// The evidence must sign exactly the report data the binding inputs produce (and the bundle states).
        static func checkBinding(
            _ bundle: EvidenceBundle,
            evidenceReportData: [UInt8],
            recorder: inout CheckRecorder
        ) -> Bool {
            guard ConstantTime.equals(evidenceReportData, bundle.reportData) else {
                recorder.fail(
                    "bundle.binding",
                    "the evidence signs report data \(ClaimValue.bytes(evidenceReportData)), not the bundle's "
                        + "report_data \(ClaimValue.bytes(bundle.reportData))",
                    remedy: "The bundle was altered or assembled from other evidence; request fresh evidence."
                )
                return false
            }
            guard let binding = bundle.binding else {
                recorder.pass("bundle.binding", "no binding inputs: the report data is taken as given")
                return true
            }
            return recorder.check(
                "bundle.binding",
                binding.isBound(by: evidenceReportData),
                passed: "the report data is the hash of the bundle's nonce and public keys",
                failed:
                    "the report data is not the hash of the bundle's binding inputs: the nonce or keys were altered",
                remedy: "Request fresh evidence bound to this nonce and these keys."
            )
        }
    }
}

/// Stapled collateral first, then the caller's (a `--collateral` directory).
struct StapledCollateralProvider: CollateralProvider {
    let stapled: [EvidenceBundle.Item]
    let base: any CollateralProvider

    func items() throws(AttestationError) -> [(name: String, bytes: [UInt8])] {
        stapled.map { (name: $0.name, bytes: $0.bytes) } + (try base.items())
    }
}
