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

    /// Verifies a TCB-signing-certificate signature over a collateral document and its validity window.
    private static func checkSigned(
        name: String,
        raw: [UInt8],
        signature: [UInt8],
        issueDate: String,
        nextUpdate: String,
        root intelRoot: RawCertificate,
        collateral: Collateral,
        context: VerificationContext,
        outcome: inout Outcome
    ) -> Bool {
        let remedy =
            "Supply the \(name == "tcb_info" ? "TCB info" : "QE identity") from Intel PCS with its issuer chain."
        guard let signer = collateral.tcbSigningCertificate else {
            outcome.recorder.fail(
                "\(name).chain",
                "the Intel SGX TCB Signing certificate was not supplied",
                remedy: remedy
            )
            return false
        }
        let rootCRL = collateral.crls.first { $0.issuerCommonName == intelRoot.commonName }
        guard
            outcome.recorder.check(
                "\(name).chain",
                AttestationX509.isSignedBy(signer, issuer: intelRoot, cache: context.signatureCache)
                    && context.time <= signer.notValidAfter && !(rootCRL?.revokes(signer) ?? false),
                passed: "the TCB Signing certificate chains to the pinned Intel SGX Root CA"
                    + (context.time < signer.notValidBefore
                        ? " (a later re-issue of the certificate: the signed issueDate/nextUpdate date the collateral)"
                        : ""),
                failed: "the TCB Signing certificate does not chain to the Intel SGX Root CA, is expired or revoked",
                remedy: remedy
            )
        else { return false }
        let digest = Array(SHA256.hash(data: raw + signature + signer.der))
        var valid = context.signatureCache?.contains(digest: digest) ?? false
        if !valid, let key = P256.Signing.PublicKey(signer.publicKey),
            let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
        {
            valid = key.isValidSignature(sig, for: SHA256.hash(data: raw))
            if valid { context.signatureCache?.insert(digest: digest) }
        }
        guard
            outcome.recorder.check(
                "\(name).signature",
                valid,
                passed: "signed by Intel SGX TCB Signing over the raw JSON",
                failed: "the signature over the raw \(name) JSON does not verify: the collateral was altered",
                remedy: remedy
            )
        else { return false }
        let issued = date(issueDate)
        let next = date(nextUpdate)
        return outcome.recorder.check(
            "\(name).validity",
            issued.map { $0 <= context.time } == true && next.map { context.time <= $0 } == true,
            passed: "current (issued \(issueDate), next update \(nextUpdate))",
            failed: "not current at the verification time: issued \(issueDate), next update \(nextUpdate) (stale)",
            remedy: "Fetch current collateral from Intel PCS, or check --at."
        )
    }

    private static func evaluateTCB(
        _ quote: Quote,
        root intelRoot: RawCertificate,
        collateral: Collateral,
        context: VerificationContext,
        outcome: inout Outcome
    ) {
        guard let pck = outcome.pck else { return }
        guard let tcbInfo = collateral.tcbInfo else {
            outcome.missing.append(.tcbInfo)
            return
        }
        let info = tcbInfo.document
        guard
            checkSigned(
                name: "tcb_info",
                raw: tcbInfo.raw,
                signature: tcbInfo.signature,
                issueDate: info.issueDate,
                nextUpdate: info.nextUpdate,
                root: intelRoot,
                collateral: collateral,
                context: context,
                outcome: &outcome
            )
        else { return }
        let expectedID = quote.isTDX ? "TDX" : "SGX"
        guard
            outcome.recorder.check(
                "tcb_info.type",
                (info.id ?? "SGX") == expectedID,
                passed: "TCB info id \(expectedID), version \(info.version)",
                failed: "TCB info id \(info.id ?? "SGX") does not match the \(expectedID) quote",
                remedy: "Supply the \(expectedID) TCB info for this FMSPC."
            ),
            outcome.recorder.check(
                "tcb_info.fmspc",
                info.fmspc.lowercased() == Hex.encode(pck.fmspc) && info.pceId.lowercased() == Hex.encode(pck.pceID),
                passed: "TCB info FMSPC and PCE-ID match the PCK certificate",
                failed: "TCB info is for FMSPC \(info.fmspc)/PCE \(info.pceId), the PCK is FMSPC "
                    + "\(Hex.encode(pck.fmspc))/PCE \(Hex.encode(pck.pceID))",
                remedy: "Fetch the TCB info for FMSPC \(Hex.encode(pck.fmspc)) from Intel PCS."
            )
        else { return }
        var teeTCBSVN: [UInt8]?
        var tdBody: TDReportBody?
        if case .td(let body) = quote.body {
            teeTCBSVN = body.teeTCBSVN
            tdBody = body
        }
        var status: TCBStatus
        var advisories: [String] = []
        if let level = matchingLevel(info.tcbLevels, pck: pck, teeTCBSVN: teeTCBSVN) {
            status = TCBStatus(rawValue: level.tcbStatus) ?? .notSupported
            advisories += level.advisoryIDs ?? []
            outcome.recorder.pass("tcb.level", "TCB level \(level.tcbDate ?? "") matches: \(level.tcbStatus)")
        } else {
            status = .notSupported
            outcome.recorder.pass("tcb.level", "no TCB level matches this platform's SVNs: TCB level not supported")
        }
        if let tdBody, tdBody.teeTCBSVN[1] > 0, let identities = info.tdxModuleIdentities {
            let id = String(format: "TDX_%02X", tdBody.teeTCBSVN[1])
            guard let identity = identities.first(where: { $0.id.uppercased() == id }) else {
                outcome.recorder.pass("tdx.module", "no TDX module identity \(id): TCB level not supported")
                status = .notSupported
                outcome.tcbStatus = status
                return
            }
            let mask = (try? Hex.decode(identity.attributesMask)) ?? []
            let expected = (try? Hex.decode(identity.attributes)) ?? []
            let masked = zip(tdBody.seamAttributes, mask).map { $0 & $1 }
            guard
                outcome.recorder.check(
                    "tdx.module",
                    identity.mrsigner.lowercased() == Hex.encode(tdBody.mrSignerSeam) && masked == expected,
                    passed: "TDX module \(id): MRSIGNERSEAM and SEAM attributes match",
                    failed: "the TDX module's MRSIGNERSEAM or SEAM attributes do not match identity \(id)",
                    remedy: "The TD runs on a TDX module Intel did not sign; do not trust it."
                )
            else { return }
            if let level = identity.tcbLevels.first(where: { Int(tdBody.teeTCBSVN[0]) >= ($0.tcb.isvsvn ?? 0) }) {
                status = status.merged(with: TCBStatus(rawValue: level.tcbStatus) ?? .notSupported)
                advisories += level.advisoryIDs ?? []
            } else {
                status = .notSupported
            }
        }
        if let identity = collateral.qeIdentity {
            let document = identity.document
            guard
                checkSigned(
                    name: "qe_identity",
                    raw: identity.raw,
                    signature: identity.signature,
                    issueDate: document.issueDate,
                    nextUpdate: document.nextUpdate,
                    root: intelRoot,
                    collateral: collateral,
                    context: context,
                    outcome: &outcome
                )
            else { return }
            let qe = quote.qeReport
            let misc = UInt32((try? Hex.decode(document.miscselect)).map(Self.le32) ?? 0)
            let miscMask = UInt32((try? Hex.decode(document.miscselectMask)).map(Self.le32) ?? 0)
            let attributes = (try? Hex.decode(document.attributes)) ?? []
            let attributesMask = (try? Hex.decode(document.attributesMask)) ?? []
            let maskedAttributes = zip(qe.attributes, attributesMask).map { $0 & $1 }
            let expectedID = quote.isTDX ? "TD_QE" : "QE"
            guard
                outcome.recorder.check(
                    "qe.identity",
                    document.id == expectedID && document.mrsigner.lowercased() == Hex.encode(qe.mrSigner)
                        && document.isvprodid == Int(qe.isvProdID) && qe.miscSelect & miscMask == misc
                        && maskedAttributes == attributes,
                    passed: "the Quoting Enclave matches Intel's \(expectedID) identity",
                    failed: "the Quoting Enclave does not match Intel's \(expectedID) identity (MRSIGNER, ISVPRODID, "
                        + "MISCSELECT or ATTRIBUTES)",
                    remedy: "The quote was not produced by Intel's Quoting Enclave; do not trust it."
                )
            else { return }
            if let level = document.tcbLevels.first(where: { Int(qe.isvSVN) >= ($0.tcb.isvsvn ?? 0) }) {
                let qeStatus = TCBStatus(rawValue: level.tcbStatus) ?? .notSupported
                outcome.recorder.pass("qe.tcb", "QE ISVSVN \(qe.isvSVN): \(level.tcbStatus)")
                if qeStatus == .outOfDate || qeStatus == .revoked {
                    status = status.merged(with: qeStatus)
                }
                advisories += level.advisoryIDs ?? []
            } else {
                outcome.recorder.pass("qe.tcb", "QE ISVSVN \(qe.isvSVN) matches no level: not supported")
                status = .notSupported
            }
        } else {
            outcome.missing.append(.tcbInfo)
        }
        outcome.tcbStatus = status
        var seen = Set<String>()
        outcome.advisoryIDs = advisories.filter { seen.insert($0).inserted }
    }

    static func le32(_ bytes: [UInt8]) -> UInt32 {
        bytes.prefix(4).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }

    /// The TCB level Intel's QVL selects: walking the levels in order, the first whose SGX components and
    /// PCESVN the PCK meets fixes the SGX match (a Revoked one ends the search); for TDX the walk continues
    /// to the first level whose 16 TDX components TEE_TCB_SVN also meets.
    static func matchingLevel(_ levels: [TCBLevel], pck: PCKExtension, teeTCBSVN: [UInt8]?) -> TCBLevel? {
        var sgxMatched = false
        for level in levels {
            if !sgxMatched {
                guard let sgx = level.tcb.sgxtcbcomponents, sgx.count == 16 else { continue }
                let componentsMet = (0..<16).allSatisfy { Int(pck.componentSVNs[$0]) >= sgx[$0].svn }
                guard componentsMet, Int(pck.pceSVN) >= (level.tcb.pcesvn ?? 0) else { continue }
                sgxMatched = true
                if level.tcbStatus == TCBStatus.revoked.rawValue { return level }
            }
            guard let teeTCBSVN else { return level }
            guard let tdx = level.tcb.tdxtcbcomponents, tdx.count == 16 else { continue }
            if (0..<16).allSatisfy({ Int(teeTCBSVN[$0]) >= tdx[$0].svn }) { return level }
        }
        return nil
    }
}
