import Crypto
import Foundation
import VeilAttestation
import _VeilBytes

extension DCAP {
    /// Verifies a TCB-signing-certificate signature over a collateral document and its validity window.
    static func checkSigned(
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
        let issued = RFC3339.date(issueDate)
        let next = RFC3339.date(nextUpdate)
        return outcome.recorder.check(
            "\(name).validity",
            issued.map { $0 <= context.time } == true && next.map { context.time <= $0 } == true,
            passed: "current (issued \(issueDate), next update \(nextUpdate))",
            failed: "not current at the verification time: issued \(issueDate), next update \(nextUpdate) (stale)",
            remedy: "Fetch current collateral from Intel PCS, or check --at."
        )
    }

    static func evaluateTCB(
        _ quote: Quote,
        root intelRoot: RawCertificate,
        collateral: Collateral,
        context: VerificationContext,
        outcome: inout Outcome
    ) {
        guard let pck = outcome.pck else { return }
        // TCB info without its issuer chain cannot be checked: it counts as missing, not as forged.
        guard let tcbInfo = collateral.tcbInfo, collateral.tcbSigningCertificate != nil else {
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
        } else if let tdBody, tdBody.teeTCBSVN[1] == 0, let module = info.tdxModule {
            // TDX 1.0 modules: the TCB info's single tdxModule identity applies, without its own status.
            let mask = (try? Hex.decode(module.attributesMask)) ?? []
            let expected = (try? Hex.decode(module.attributes)) ?? []
            let masked = zip(tdBody.seamAttributes, mask).map { $0 & $1 }
            guard
                outcome.recorder.check(
                    "tdx.module",
                    module.mrsigner.lowercased() == Hex.encode(tdBody.mrSignerSeam) && masked == expected,
                    passed: "TDX module: MRSIGNERSEAM and SEAM attributes match the TCB info's tdxModule",
                    failed: "the TDX module's MRSIGNERSEAM or SEAM attributes do not match the TCB info's tdxModule",
                    remedy: "The TD runs on a TDX module Intel did not sign; do not trust it."
                )
            else { return }
        }
        if let identity = collateral.qeIdentity, collateral.tcbSigningCertificate != nil {
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
