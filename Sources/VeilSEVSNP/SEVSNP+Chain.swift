import Crypto
import Foundation
public import VeilAttestation
import X509

enum P384KeyConversion {
    static func key(_ certificate: RawCertificate) -> P384.Signing.PublicKey? {
        P384.Signing.PublicKey(certificate.publicKey)
    }
}

extension SEVSNP {
    /// The pinned AMD certificates of one generation.
    public struct PinnedRoots: Sendable {
        public let generation: Generation
        /// ARK: the self-signed root.
        public let ark: RawCertificate
        /// ASK: signs VCEKs.
        public let ask: RawCertificate
        /// ASVK: signs VLEKs.
        public let asvk: RawCertificate

        /// The built-in roots of a generation.
        public static func builtIn(_ generation: Generation) -> PinnedRoots {
            cache[generation]!
        }

        private static let cache: [Generation: PinnedRoots] = {
            var out: [Generation: PinnedRoots] = [:]
            for generation in Generation.allCases {
                // The PEM is compiled in; failure to parse it is a build defect.
                let certificates = (try? AttestationX509.certificates(pem: Array(generation.pinnedPEM.utf8))) ?? []
                func find(_ prefix: String) -> RawCertificate {
                    certificates.first { AttestationX509.commonName($0.subject) == "\(prefix)\(generation.rawValue)" }!
                }
                out[generation] = PinnedRoots(
                    generation: generation,
                    ark: find("ARK-"),
                    ask: find("SEV-"),
                    asvk: find("SEV-VLEK-")
                )
            }
            return out
        }()
    }

    /// Collateral for one report: the endorsement key and any chain certificates supplied.
    public struct Collateral: Sendable {
        public var endorsementKeys: [RawCertificate] = []
        public var intermediates: [RawCertificate] = []
        public var roots: [RawCertificate] = []
        /// CRLs (AMD KDS publishes one per generation, issued by the ARK).
        public var crls: [CertificateRevocationList] = []

        public init() {}

        /// Classifies certificates by subject: `SEV-VCEK`/`SEV-VLEK` leaves, `SEV-*` intermediates, `ARK-*` roots.
        public mutating func add(_ certificate: RawCertificate) {
            let name = AttestationX509.commonName(certificate.subject)
            if name == "SEV-VCEK" || name == "SEV-VLEK" || P384KeyConversion.key(certificate) != nil {
                endorsementKeys.append(certificate)
            } else if name.hasPrefix("ARK-") {
                roots.append(certificate)
            } else {
                intermediates.append(certificate)
            }
        }

        /// Reads every certificate (PEM or DER) from a provider; other files are ignored.
        public init(provider: any CollateralProvider) throws(AttestationError) {
            for item in try provider.items() {
                if AttestationX509.isPEM(item.bytes) {
                    for certificate in try AttestationX509.certificates(pem: item.bytes) { add(certificate) }
                } else if item.bytes.first == 0x30 {
                    if let certificate = try? AttestationX509.certificate(der: item.bytes) {
                        add(certificate)
                    } else if let crl = try? CertificateRevocationList(der: item.bytes) {
                        crls.append(crl)
                    } else if item.name.hasSuffix(".der") || item.name.hasSuffix(".cer") || item.name.hasSuffix(".crt")
                    {
                        throw AttestationError(.malformedCollateral, "\(item.name) is not a valid DER certificate")
                    }
                }
            }
        }
    }

    /// Checks the chain endorsement key ← ASK/ASVK ← ARK against the pinned roots of `generation`,
    /// recording one check per link. Returns whether the whole chain holds.
    static func verifyChain(
        _ key: EndorsementKey,
        generation: Generation,
        collateral: Collateral,
        context: VerificationContext,
        recorder: inout CheckRecorder
    ) -> Bool {
        let pinned = PinnedRoots.builtIn(generation)
        let remedy = "Fetch the \(key.kind.rawValue.uppercased()) and the \(generation.rawValue) chain from AMD KDS."
        // Any ARK supplied must be the pinned one: a different ARK is a wrong root or the wrong generation.
        for supplied in collateral.roots where supplied != pinned.ark {
            recorder.fail(
                "chain.ark",
                "the supplied ARK (\(AttestationX509.commonName(supplied.subject))) is not the pinned ARK-\(generation.rawValue)",
                remedy: "Supply the AMD chain of the \(generation.rawValue) generation; the ARK is pinned."
            )
            return false
        }
        recorder.pass("chain.ark", "pinned ARK-\(generation.rawValue) (self-signed RSA-4096, RSASSA-PSS)")
        let expectedName = key.kind == .vcek ? "SEV-\(generation.rawValue)" : "SEV-VLEK-\(generation.rawValue)"
        let builtIn = key.kind == .vcek ? pinned.ask : pinned.asvk
        let candidates =
            collateral.intermediates.filter { AttestationX509.commonName($0.subject) == expectedName } + [builtIn]
        guard
            let issuer = candidates.first(where: {
                AttestationX509.isSignedBy($0, issuer: pinned.ark, cache: context.signatureCache)
            })
        else {
            recorder.fail(
                "chain.ask",
                "no \(expectedName) certificate signed by the pinned ARK-\(generation.rawValue) was found",
                remedy: remedy
            )
            return false
        }
        let issuerName = AttestationX509.commonName(issuer.subject)
        recorder.pass("chain.ask", "\(issuerName) is signed by ARK-\(generation.rawValue)")
        guard
            recorder.check(
                "chain.\(key.kind.rawValue)",
                AttestationX509.isSignedBy(key.certificate, issuer: issuer, cache: context.signatureCache),
                passed: "the \(key.kind.rawValue.uppercased()) is signed by \(issuerName) (RSASSA-PSS SHA-384)",
                failed:
                    "the \(key.kind.rawValue.uppercased()) is not signed by \(issuerName): the signature does not verify",
                remedy: remedy
            )
        else { return false }
        // AMD CRLs, when supplied: the ARK's (KDS /vcek/v1/<Gen>/crl, listing revoked ASK/ASVKs) and any issued by
        // the ASK/ASVK (listing revoked VCEK/VLEKs). Each must be signed by its issuer, current, and must not list
        // the certificate below it. A CRL naming another issuer is not about this chain and is ignored.
        for crl in collateral.crls {
            let crlIssuer: RawCertificate
            let subject: RawCertificate
            let subjectName: String
            switch crl.issuerCommonName {
            case "ARK-\(generation.rawValue)":
                (crlIssuer, subject, subjectName) = (pinned.ark, issuer, issuerName)
            case issuerName:
                (crlIssuer, subject, subjectName) = (issuer, key.certificate, key.kind.rawValue.uppercased())
            default:
                continue
            }
            let crlRemedy = "Fetch the current CRL from AMD KDS (/vcek/v1/\(generation.rawValue)/crl)."
            guard
                recorder.check(
                    "crl.signature",
                    crl.isSigned(by: crlIssuer),
                    passed: "the AMD CRL of \(crl.issuerCommonName) is signed by it",
                    failed: "the CRL claiming issuer \(crl.issuerCommonName) is not signed by it",
                    remedy: crlRemedy
                ),
                recorder.check(
                    "crl.validity",
                    crl.thisUpdate <= context.time && context.time <= (crl.nextUpdate ?? .distantFuture),
                    passed: "the AMD CRL of \(crl.issuerCommonName) is current",
                    failed: "the AMD CRL of \(crl.issuerCommonName) is not current at the verification time",
                    remedy: crlRemedy
                ),
                recorder.check(
                    "chain.revocation",
                    !crl.revokes(subject),
                    passed: "\(subjectName) is not revoked by \(crl.issuerCommonName)",
                    failed: "\(subjectName) is revoked by \(crl.issuerCommonName)",
                    remedy: "Do not trust reports signed under this \(subjectName)."
                )
            else { return false }
        }
        let time = context.time
        for (label, certificate) in [
            ("ARK", pinned.ark), (issuerName, issuer), (key.kind.rawValue.uppercased(), key.certificate),
        ] {
            guard
                recorder.check(
                    "chain.validity",
                    AttestationX509.isValid(certificate, at: time),
                    passed: "\(label) valid at \(time.iso8601)",
                    failed:
                        "\(label) is not valid at \(time.iso8601) (valid \(certificate.notValidBefore.iso8601) to \(certificate.notValidAfter.iso8601))",
                    remedy: "Use a current certificate from AMD KDS, or check the verification time (--at)."
                )
            else { return false }
        }
        return true
    }
}

extension Date {
    /// RFC 3339 in UTC.
    var iso8601: String { formatted(.iso8601) }
}
