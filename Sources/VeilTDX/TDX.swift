public import VeilAttestation
import _VeilBytes
public import _VeilDCAP

/// Intel TDX attestation: DCAP quotes v4 (TD10 body) and v5 (TD10 or TD15 body).
public enum TDX {
    /// Verifies TDX quotes with the shared DCAP checks, then decodes the TD claims.
    public struct Verifier: AttestationVerifier {
        public var platform: AttestationPlatform { .tdx }
        /// The pinned root of the PCK and TCB signing chains.
        public let trustedRoot: RawCertificate

        /// A verifier pinned to the Intel SGX Root CA (or, for tests with their own PKI, another root).
        public init(trustedRoot: RawCertificate = DCAP.intelRoot) { self.trustedRoot = trustedRoot }

        public func verify(_ evidence: [UInt8], context: VerificationContext) -> VerificationReport {
            let quote: DCAP.Quote
            let body: DCAP.TDReportBody
            switch DCAP.parseQuote(
                evidence,
                platform: .tdx,
                expecting: "a TDX",
                body: {
                    if case .td(let body) = $0 { body } else { nil }
                }
            ) {
            case .success(let parsed): (quote, body) = parsed
            case .failure(let failure): return failure.report
            }
            var outcome = DCAP.verify(quote, context: context, trustedRoot: trustedRoot)
            let claims = Self.claims(quote, body: body, pck: outcome.pck)
            var checks = [
                VerificationCheck(
                    name: "quote.parse",
                    passed: true,
                    detail: "TDX quote v\(quote.version), \(body.teeTCBSVN2 == nil ? "TD10" : "TD15") body",
                    kind: .authenticity
                )
            ]
            checks += outcome.recorder.checks
            outcome.recorder = CheckRecorder()
            guard outcome.authentic, checks.allSatisfy({ $0.passed || $0.kind != .authenticity }) else {
                return VerificationReport(platform: .tdx, checks: checks, claims: nil, unverifiedClaims: claims)
            }
            let verified = VerifiedClaims(
                platform: .tdx,
                claims: claims,
                isDebug: body.isDebug,
                tcbStatus: outcome.tcbStatus,
                advisoryIDs: outcome.advisoryIDs,
                reportData: body.reportData,
                missingCollateral: outcome.missing,
                checks: checks,
                context: context
            )
            return VerificationReport(platform: .tdx, checks: checks, claims: verified, unverifiedClaims: claims)
        }

        /// The claims of a TD quote.
        public static func claims(
            _ quote: DCAP.Quote,
            body: DCAP.TDReportBody,
            pck: DCAP.PCKExtension?
        )
            -> [String: ClaimValue]
        {
            var claims: [String: ClaimValue] = [
                "quote_version": .integer(UInt64(quote.version)),
                "tee_tcb_svn": .bytes(body.teeTCBSVN),
                "mrseam": .bytes(body.mrSeam),
                "mrsignerseam": .bytes(body.mrSignerSeam),
                "seam_attributes": .bytes(body.seamAttributes),
                "td_attributes": .bytes(body.tdAttributes),
                "xfam": .bytes(body.xfam),
                "mrtd": .bytes(body.mrTD),
                "mrconfigid": .bytes(body.mrConfigID),
                "mrowner": .bytes(body.mrOwner),
                "mrownerconfig": .bytes(body.mrOwnerConfig),
                "rtmr0": .bytes(body.rtmrs[0]),
                "rtmr1": .bytes(body.rtmrs[1]),
                "rtmr2": .bytes(body.rtmrs[2]),
                "rtmr3": .bytes(body.rtmrs[3]),
                "report_data": .bytes(body.reportData),
                "debug": .bool(body.isDebug),
                "pce_svn": .integer(UInt64(quote.pceSVN)),
                "qe_isv_svn": .integer(UInt64(quote.qeReport.isvSVN)),
            ]
            if let svn2 = body.teeTCBSVN2 { claims["tee_tcb_svn2"] = .bytes(svn2) }
            if let service = body.mrServiceTD { claims["mrservicetd"] = .bytes(service) }
            if let pck {
                claims["fmspc"] = .bytes(pck.fmspc)
                claims["pce_id"] = .bytes(pck.pceID)
            }
            return claims
        }
    }
}
