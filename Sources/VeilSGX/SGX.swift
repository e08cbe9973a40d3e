public import VeilAttestation
import _VeilBytes
public import _VeilDCAP

/// Intel SGX attestation: DCAP quote v3 of an ISV enclave.
public enum SGX {
    /// Verifies SGX quotes with the shared DCAP checks, then decodes the enclave claims.
    public struct Verifier: AttestationVerifier {
        public var platform: AttestationPlatform { .sgx }
        /// The pinned root of the PCK and TCB signing chains.
        public let trustedRoot: RawCertificate

        /// A verifier pinned to the Intel SGX Root CA (or, for tests with their own PKI, another root).
        public init(trustedRoot: RawCertificate = DCAP.intelRoot) { self.trustedRoot = trustedRoot }

        public func verify(_ evidence: [UInt8], context: VerificationContext) -> VerificationReport {
            let quote: DCAP.Quote
            let body: DCAP.EnclaveReportBody
            switch DCAP.parseQuote(
                evidence,
                platform: .sgx,
                expecting: "an SGX",
                body: {
                    if case .sgx(let body) = $0 { body } else { nil }
                }
            ) {
            case .success(let parsed): (quote, body) = parsed
            case .failure(let failure): return failure.report
            }
            let outcome = DCAP.verify(quote, context: context, trustedRoot: trustedRoot)
            let claims = Self.claims(quote, body: body, pck: outcome.pck)
            let checks =
                [
                    VerificationCheck(
                        name: "quote.parse",
                        passed: true,
                        detail: "SGX quote v\(quote.version)",
                        kind: .authenticity
                    )
                ] + outcome.recorder.checks
            guard outcome.authentic else {
                return VerificationReport(platform: .sgx, checks: checks, claims: nil, unverifiedClaims: claims)
            }
            let verified = VerifiedClaims(
                platform: .sgx,
                claims: claims,
                isDebug: body.isDebug,
                tcbStatus: outcome.tcbStatus,
                advisoryIDs: outcome.advisoryIDs,
                reportData: body.reportData,
                missingCollateral: outcome.missing,
                checks: checks,
                context: context
            )
            return VerificationReport(platform: .sgx, checks: checks, claims: verified, unverifiedClaims: claims)
        }

        /// The claims of an SGX quote.
        public static func claims(
            _ quote: DCAP.Quote,
            body: DCAP.EnclaveReportBody,
            pck: DCAP.PCKExtension?
        )
            -> [String: ClaimValue]
        {
            var claims: [String: ClaimValue] = [
                "quote_version": .integer(UInt64(quote.version)),
                "cpusvn": .bytes(body.cpuSVN),
                "miscselect": .integer(UInt64(body.miscSelect)),
                "attributes": .bytes(body.attributes),
                "mrenclave": .bytes(body.mrEnclave),
                "mrsigner": .bytes(body.mrSigner),
                "isvprodid": .integer(UInt64(body.isvProdID)),
                "isvsvn": .integer(UInt64(body.isvSVN)),
                "report_data": .bytes(body.reportData),
                "debug": .bool(body.isDebug),
                "pce_svn": .integer(UInt64(quote.pceSVN)),
                "qe_svn": .integer(UInt64(quote.qeSVN)),
            ]
            if let pck {
                claims["fmspc"] = .bytes(pck.fmspc)
                claims["pce_id"] = .bytes(pck.pceID)
            }
            return claims
        }
    }
}
