public import VeilAttestation
import _VeilBytes

extension DCAP {
    /// A DCAP quote (v3 SGX, v4 TDX, v5 TDX 1.5), parsed by its length fields; trailing bytes are ignored.
    public struct Quote: Sendable {
        public enum Body: Sendable {
            case sgx(EnclaveReportBody)
            case td(TDReportBody)
        }

        public let bytes: [UInt8]
        public let version: UInt16
        public let attestationKeyType: UInt16
        public let teeType: UInt32
        public let qeSVN: UInt16
        public let pceSVN: UInt16
        public let qeVendorID: [UInt8]
        public let userData: [UInt8]
        public let body: Body
        /// The bytes the attestation key signs: header ‖ body (‖ v5 type and size).
        public let signedBytes: ArraySlice<UInt8>
        /// ECDSA P-256 signature r ‖ s.
        public let signature: [UInt8]
        /// The attestation key, raw x ‖ y.
        public let attestationKey: [UInt8]
        public let qeReport: EnclaveReportBody
        public let qeReportSignature: [UInt8]
        public let qeAuthData: [UInt8]
        /// The certification data type (5 = PEM PCK chain).
        public let certificationDataType: UInt16
        public let certificationData: [UInt8]

        /// The largest quote accepted.
        public static let maximumSize = 1 << 20

        public var isTDX: Bool { teeType == 0x81 }

        public init(_ bytes: [UInt8]) throws(AttestationError) {
            guard bytes.count <= Self.maximumSize else {
                throw AttestationError(.malformedEvidence, "a DCAP quote above 1 MiB is refused")
            }
            do {
                var cursor = ByteCursor(bytes)
                version = try cursor.read(UInt16.self, .little, "version")
                attestationKeyType = try cursor.read(UInt16.self, .little, "attestation key type")
                teeType = try cursor.read(UInt32.self, .little, "TEE type")
                qeSVN = try cursor.read(UInt16.self, .little, "QE SVN")
                pceSVN = try cursor.read(UInt16.self, .little, "PCE SVN")
                qeVendorID = try cursor.readBytes(count: 16, "QE vendor ID")
                userData = try cursor.readBytes(count: 20, "user data")
                guard attestationKeyType == 2 else {
                    throw AttestationError(
                        .malformedEvidence,
                        "attestation key type \(attestationKeyType) is not ECDSA-P256 (2)"
                    )
                }
                switch (version, teeType) {
                case (3, 0x00), (4, 0x00):
                    body = .sgx(try EnclaveReportBody(try cursor.readBytes(count: 384, "SGX report body")))
                case (4, 0x81):
                    body = .td(try TDReportBody(try cursor.readBytes(count: 584, "TD10 report body")))
                case (5, 0x81), (5, 0x00):
                    let type = try cursor.read(UInt16.self, .little, "body type")
                    let size = try cursor.read(UInt32.self, .little, "body size")
                    switch (teeType, type, size) {
                    case (0x00, 1, 384):
                        body = .sgx(try EnclaveReportBody(try cursor.readBytes(count: 384, "SGX report body")))
                    case (0x81, 2, 584), (0x81, 3, 648):
                        body = .td(try TDReportBody(try cursor.readBytes(count: Int(size), "TD report body")))
                    default:
                        throw AttestationError(
                            .malformedEvidence,
                            "quote v5 body type \(type) of \(size) bytes is unknown"
                        )
                    }
                default:
                    throw AttestationError(
                        .malformedEvidence,
                        "quote version \(version) with TEE type 0x\(String(teeType, radix: 16)) is not supported"
                    )
                }
                signedBytes = bytes[0..<cursor.offset]
                var signatureData = try cursor.readCursor(
                    count: Int(try cursor.read(UInt32.self, .little, "signature data length")),
                    "signature data"
                )
                signature = try signatureData.readBytes(count: 64, "quote signature")
                attestationKey = try signatureData.readBytes(count: 64, "attestation key")
                if version == 3 {
                    qeReport = try EnclaveReportBody(try signatureData.readBytes(count: 384, "QE report"))
                    qeReportSignature = try signatureData.readBytes(count: 64, "QE report signature")
                    qeAuthData = Array(try signatureData.readLengthPrefixed(UInt16.self, .little, "QE auth data"))
                    certificationDataType = try signatureData.read(UInt16.self, .little, "certification data type")
                    certificationData = Array(
                        try signatureData.readLengthPrefixed(UInt32.self, .little, "certification data")
                    )
                } else {
                    let outerType = try signatureData.read(UInt16.self, .little, "certification data type")
                    guard outerType == 6 else {
                        throw AttestationError(
                            .malformedEvidence,
                            "certification data type \(outerType) is not 6 (QE report)"
                        )
                    }
                    var inner = try signatureData.readCursor(
                        count: Int(try signatureData.read(UInt32.self, .little, "certification data size")),
                        "QE report certification data"
                    )
                    qeReport = try EnclaveReportBody(try inner.readBytes(count: 384, "QE report"))
                    qeReportSignature = try inner.readBytes(count: 64, "QE report signature")
                    qeAuthData = Array(try inner.readLengthPrefixed(UInt16.self, .little, "QE auth data"))
                    certificationDataType = try inner.read(UInt16.self, .little, "PCK certification data type")
                    certificationData = Array(
                        try inner.readLengthPrefixed(UInt32.self, .little, "PCK certification data")
                    )
                }
                guard certificationDataType == 5 else {
                    throw AttestationError(
                        .malformedEvidence,
                        "PCK certification data type \(certificationDataType) is not 5 (PEM chain)"
                    )
                }
            } catch let error as AttestationError {
                throw error
            } catch {
                throw AttestationError(.malformedEvidence, "DCAP quote: \(error)")
            }
            self.bytes = bytes
        }

        /// The report data of the ISV enclave or TD.
        public var reportData: [UInt8] {
            switch body {
            case .sgx(let body): return body.reportData
            case .td(let body): return body.reportData
            }
        }
    }
}

extension DCAP {
    /// Parses `evidence` as a quote whose body `extract` accepts, or returns the report that says why not.
    /// Shared by the TDX and SGX verifiers, which differ only in the body they expect.
    public static func parseQuote<Body>(
        _ evidence: [UInt8],
        platform: AttestationPlatform,
        expecting kind: String,
        body extract: (Quote.Body) -> Body?
    ) -> Result<(Quote, Body), VerificationReportBox> {
        let quote: Quote
        do {
            quote = try Quote(evidence)
        } catch {
            return .failure(VerificationReportBox(.malformed(platform, name: "quote.parse", error: error)))
        }
        guard let body = extract(quote.body) else {
            let error = AttestationError(.malformedEvidence, "not \(kind) quote")
            return .failure(VerificationReportBox(.malformed(platform, name: "quote.parse", error: error)))
        }
        return .success((quote, body))
    }

    /// A ``VerificationReport`` carried as the failure of a `Result`.
    public struct VerificationReportBox: Error {
        public let report: VerificationReport
        init(_ report: VerificationReport) { self.report = report }
    }
}
