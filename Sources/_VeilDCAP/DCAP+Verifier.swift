import Crypto
import Foundation
public import VeilAttestation
import _VeilBytes

extension DCAP {
    /// What the shared DCAP checks established about a quote.
    public struct Outcome: Sendable {
        package var recorder = CheckRecorder()
        public var tcbStatus: TCBStatus?
        public var advisoryIDs: [String] = []
        public var missing: [VerifiedClaims.MissingCollateral] = []
        public var pck: PCKExtension?
        public var authentic: Bool { recorder.authentic }
    }

    /// The pinned Intel SGX Root CA.
    public static let intelRoot: RawCertificate = {
        // Compiled in; a parse failure is a build defect.
        try! AttestationX509.certificates(pem: Array(intelRootCAPEM.utf8))[0]
    }()

    /// Runs the checks TDX and SGX share: quote and QE signatures, QE binding, PCK chain and CRLs, TCB info
    /// and TCB level, TDX module identity, QE identity.
    /// - Parameter trustedRoot: the pinned root; the Intel SGX Root CA unless a test builds its own PKI.
    public static func verify(
        _ quote: Quote,
        context: VerificationContext,
        trustedRoot: RawCertificate = intelRoot
    )
        -> Outcome
    {
        let intelRoot = trustedRoot
        var outcome = Outcome()
        verifySignatures(quote, context: context, outcome: &outcome)
        guard outcome.authentic else { return outcome }
        let collateral: Collateral
        do {
            let items = try context.collateral.items()
            let make = { () throws(AttestationError) -> Collateral in
                try Collateral(provider: BundleCollateralProvider(items))
            }
            if let cache = context.signatureCache {
                collateral = try cache.memoized(items.map(\.bytes), make)
            } else {
                collateral = try make()
            }
        } catch {
            outcome.recorder.fail(
                "collateral.parse",
                "the collateral could not be read: \(error)",
                remedy: "Supply the PCS responses or collateral.json unmodified."
            )
            return outcome
        }
        guard let chain = pckChain(quote, root: intelRoot, context: context, outcome: &outcome) else { return outcome }
        checkCRLs(chain: chain, root: intelRoot, collateral: collateral, context: context, outcome: &outcome)
        guard outcome.authentic else { return outcome }
        evaluateTCB(quote, root: intelRoot, collateral: collateral, context: context, outcome: &outcome)
        return outcome
    }

    private static func verifySignatures(_ quote: Quote, context: VerificationContext, outcome: inout Outcome) {
        outcome.recorder.check(
            "quote.qe_vendor",
            quote.qeVendorID == intelQEVendorID,
            passed: "the quote comes from Intel's Quoting Enclave",
            failed: "QE vendor ID \(Hex.encode(quote.qeVendorID)) is not Intel's",
            remedy: "Only Intel DCAP quotes are supported."
        )
        let attestationKey = try? P256.Signing.PublicKey(rawRepresentation: quote.attestationKey)
        let quoteSignature = try? P256.Signing.ECDSASignature(rawRepresentation: quote.signature)
        let quoteOK =
            attestationKey.flatMap { key in
                quoteSignature.map { key.isValidSignature($0, for: SHA256.hash(data: quote.signedBytes)) }
            } ?? false
        outcome.recorder.check(
            "quote.signature",
            quoteOK,
            passed: "the attestation key's ECDSA P-256 signature over header and body verifies",
            failed: "the quote's signature does not verify with its attestation key: the quote was altered",
            remedy: "Collect the quote again; never edit it."
        )
        var bound = Array(SHA256.hash(data: quote.attestationKey + quote.qeAuthData))
        bound += [UInt8](repeating: 0, count: 32)
        outcome.recorder.check(
            "qe.binding",
            quote.qeReport.reportData == bound,
            passed: "the QE report binds the attestation key (SHA-256 of key and QE auth data)",
            failed: "the QE report's REPORTDATA does not hash the attestation key: the key is not the QE's",
            remedy: "Collect the quote again from the platform's Quoting Enclave."
        )
    }

    private struct PCKChain {
        let leaf: RawCertificate
        let intermediate: RawCertificate
    }

    private static func pckChain(
        _ quote: Quote,
        root intelRoot: RawCertificate,
        context: VerificationContext,
        outcome: inout Outcome
    ) -> PCKChain? {
        let remedy = "The quote must carry the PCK chain (certification data type 5) issued by Intel."
        let certificates: [RawCertificate]
        do {
            let parse = { () throws(AttestationError) -> [RawCertificate] in
                try AttestationX509.certificates(pem: quote.certificationData)
            }
            if let cache = context.signatureCache {
                certificates = try cache.memoized([quote.certificationData], parse)
            } else {
                certificates = try parse()
            }
        } catch {
            outcome.recorder.fail("pck.chain", "the PCK chain in the quote cannot be parsed: \(error)", remedy: remedy)
            return nil
        }
        guard certificates.count >= 2 else {
            outcome.recorder.fail(
                "pck.chain",
                "the quote carries \(certificates.count) certificate(s), not a chain",
                remedy: remedy
            )
            return nil
        }
        let leaf = certificates[0]
        guard let intermediate = certificates.first(where: { $0.subject == leaf.issuer }) else {
            outcome.recorder.fail(
                "pck.chain",
                "the PCK's issuer \(leaf.issuerCommonName) is not in the chain",
                remedy: remedy
            )
            return nil
        }
        let root =
            intermediate.issuer == intermediate.subject
            ? intermediate : certificates.first { $0.subject == intermediate.issuer }
        if let root, root != intermediate, root != intelRoot {
            outcome.recorder.fail(
                "pck.chain.root",
                "the chain's root (\(root.commonName)) is not the pinned Intel SGX Root CA",
                remedy: remedy
            )
            return nil
        }
        outcome.recorder.pass("pck.chain.root", "the chain ends in the pinned Intel SGX Root CA")
        let signed =
            AttestationX509.isSignedBy(intermediate, issuer: intelRoot, cache: context.signatureCache)
            && AttestationX509.isSignedBy(leaf, issuer: intermediate, cache: context.signatureCache)
        guard
            outcome.recorder.check(
                "pck.chain.signature",
                signed,
                passed: "PCK ← \(intermediate.commonName) ← Intel SGX Root CA signatures verify",
                failed: "the PCK chain's signatures do not verify to the Intel SGX Root CA",
                remedy: remedy
            )
        else { return nil }
        for certificate in [intelRoot, intermediate, leaf] {
            guard
                outcome.recorder.check(
                    "pck.chain.validity",
                    AttestationX509.isValid(certificate, at: context.time),
                    passed: "\(certificate.commonName) valid at the verification time",
                    failed: "\(certificate.commonName) is not valid at the verification time (valid "
                        + "\(certificate.notValidBefore.formatted(.iso8601)) to \(certificate.notValidAfter.formatted(.iso8601)))",
                    remedy: "Check --at, or collect evidence from a platform with a current PCK certificate."
                )
            else { return nil }
        }
        let signature = try? P256.Signing.ECDSASignature(rawRepresentation: quote.qeReportSignature)
        let key = P256.Signing.PublicKey(leaf.publicKey)
        let qeOK =
            signature.flatMap { sig in
                key.map { $0.isValidSignature(sig, for: SHA256.hash(data: quote.qeReport.bytes)) }
            } ?? false
        guard
            outcome.recorder.check(
                "qe.report.signature",
                qeOK,
                passed: "the QE report is signed by the PCK key",
                failed: "the QE report's signature does not verify with the PCK certificate's key",
                remedy: remedy
            )
        else { return nil }
        do {
            outcome.pck = try PCKExtension(leaf)
            outcome.recorder.pass(
                "pck.extension",
                "FMSPC \(Hex.encode(outcome.pck!.fmspc)), PCESVN \(outcome.pck!.pceSVN)"
            )
        } catch {
            outcome.recorder.fail("pck.extension", "\(error)", remedy: remedy)
            return nil
        }
        return PCKChain(leaf: leaf, intermediate: intermediate)
    }

    private static func checkCRLs(
        chain: PCKChain,
        root intelRoot: RawCertificate,
        collateral: Collateral,
        context: VerificationContext,
        outcome: inout Outcome
    ) {
        let rootCRL = collateral.crls.first { $0.issuerCommonName == intelRoot.commonName }
        let pckCRL = collateral.crls.first { $0.issuerCommonName == chain.intermediate.commonName }
        guard let rootCRL, let pckCRL else {
            outcome.missing.append(.crl)
            return
        }
        let remedy = "Supply the current PCK CRL and root CA CRL from Intel PCS."
        for (crl, issuer) in [(rootCRL, intelRoot), (pckCRL, chain.intermediate)] {
            guard
                outcome.recorder.check(
                    "crl.signature",
                    crl.isSigned(by: issuer),
                    passed: "the CRL of \(issuer.commonName) is signed by it",
                    failed: "the CRL claiming issuer \(issuer.commonName) is not signed by it",
                    remedy: remedy
                ),
                outcome.recorder.check(
                    "crl.validity",
                    crl.thisUpdate <= context.time && context.time <= (crl.nextUpdate ?? .distantFuture),
                    passed: "the CRL of \(issuer.commonName) is current",
                    failed: "the CRL of \(issuer.commonName) is not current at the verification time (thisUpdate "
                        + "\(crl.thisUpdate), nextUpdate \(crl.nextUpdate.map { "\($0)" } ?? "none"))",
                    remedy: remedy
                )
            else { return }
        }
        outcome.recorder.check(
            "pck.revocation",
            !pckCRL.revokes(chain.leaf) && !rootCRL.revokes(chain.intermediate),
            passed: "neither the PCK nor its CA is revoked",
            failed: "the PCK certificate or its CA is revoked: this platform's key is no longer trusted",
            remedy: "Do not trust this platform; Intel revoked its key."
        )
    }
}
