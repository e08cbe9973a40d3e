import Crypto
import Foundation
public import VeilAttestation
import X509

extension SEVSNP {
    /// Verifies SEV-SNP attestation reports: signature, VCEK/VLEK chain to the pinned ARK, VCEK extensions.
    public struct Verifier: AttestationVerifier {
        public var platform: AttestationPlatform { .sevSNP }

        public init() {}

        public func verify(_ evidence: [UInt8], context: VerificationContext) -> VerificationReport {
            let report: Report
            do {
                report = try Report(evidence)
            } catch {
                return .malformed(.sevSNP, name: "report.parse", error: error)
            }
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
                return .malformed(.sevSNP, name: "collateral.parse", error: error)
            }
            return verify(report, collateral: collateral, context: context)
        }

        /// Verifies a parsed report with the given certificates.
        public func verify(
            _ report: Report,
            collateral: Collateral,
            context: VerificationContext
        )
            -> VerificationReport
        {
            var recorder = CheckRecorder()
            recorder.pass("report.parse", "SEV-SNP report version \(report.version), \(Report.size) bytes")
            let unverified = Self.claims(report, key: nil, generation: report.cpuidGeneration)
            func invalid() -> VerificationReport {
                VerificationReport(
                    platform: .sevSNP,
                    checks: recorder.checks,
                    claims: nil,
                    unverifiedClaims: unverified
                )
            }
            let wanted: SigningKeyKind
            switch report.signingKey {
            case 0: wanted = .vcek
            case 1: wanted = .vlek
            default:
                recorder.fail(
                    "report.signing_key",
                    "the report's SIGNING_KEY is \(report.signingKey): it is not signed by a VCEK or VLEK",
                    remedy: "Request a report signed by the VCEK or VLEK."
                )
                return invalid()
            }
            let keys = collateral.endorsementKeys.compactMap { try? EndorsementKey($0) }.filter { $0.kind == wanted }
            let key =
                keys.first { key in
                    guard let hwID = key.hardwareID, !hwID.isEmpty else { return false }
                    return Array(report.chipID.prefix(hwID.count)) == hwID
                } ?? keys.first
            guard let key else {
                let name = wanted.rawValue.uppercased()
                recorder.fail(
                    "collateral.\(wanted.rawValue)",
                    "no \(name) certificate was supplied (or it could not be decoded)",
                    remedy:
                        "Supply the \(name) with --collateral (a directory holding \(wanted.rawValue).der), fetched "
                        + "from AMD KDS for this chip ID and reported TCB."
                )
                return invalid()
            }
            recorder.pass(
                "collateral.\(wanted.rawValue)",
                "\(wanted.rawValue.uppercased()) \(key.productName ?? "(no product name)")"
            )
            // The generation: the key's productName, else CPUID (v3+), and both must agree when present.
            if let named = key.generation, let cpuid = report.cpuidGeneration, named != cpuid {
                recorder.fail(
                    "report.generation",
                    "the \(wanted.rawValue.uppercased()) is for \(named.rawValue) but the report comes from \(cpuid.rawValue)",
                    remedy: "Supply the \(wanted.rawValue.uppercased()) of the machine that produced the report."
                )
                return invalid()
            }
            let candidates = key.generation.map { [$0] } ?? report.cpuidGeneration.map { [$0] } ?? Generation.allCases
            var generation: Generation?
            var chainRecorder = CheckRecorder()
            for candidate in candidates {
                var attempt = CheckRecorder()
                if verifyChain(key, generation: candidate, collateral: collateral, context: context, recorder: &attempt)
                {
                    generation = candidate
                    chainRecorder = attempt
                    break
                }
                if chainRecorder.checks.isEmpty || candidates.count == 1 { chainRecorder = attempt }
            }
            recorder.append(contentsOf: chainRecorder.checks)
            guard let generation else { return invalid() }

            // Signature over bytes 0x000..<0x2A0.
            let signatureOK: Bool
            if let publicKey = P384KeyConversion.key(key.certificate),
                let signature = try? P384.Signing.ECDSASignature(
                    rawRepresentation: report.signatureR + report.signatureS
                )
            {
                signatureOK = publicKey.isValidSignature(signature, for: SHA384.hash(data: report.signedRegion))
            } else {
                signatureOK = false
            }
            guard
                recorder.check(
                    "report.signature",
                    signatureOK,
                    passed: "ECDSA P-384 SHA-384 signature verifies with the \(wanted.rawValue.uppercased())",
                    failed:
                        "the report's signature does not verify with the \(wanted.rawValue.uppercased()): the report "
                        + "was altered or comes from another chip/TCB",
                    remedy: "Fetch the \(wanted.rawValue.uppercased()) for this report's chip ID and REPORTED_TCB, or "
                        + "collect the report again."
                )
            else { return invalid() }

            // The key's TCB extensions must equal REPORTED_TCB.
            let tcb = TCBVersion(raw: report.reportedTCBRaw, turin: generation == .turin)
            let mismatches = SEVSNP.tcbMismatches(tcb, key: key, turin: generation == .turin)
            guard
                recorder.check(
                    "\(wanted.rawValue).tcb",
                    mismatches.isEmpty,
                    passed:
                        "certificate SPLs equal REPORTED_TCB (bl \(tcb.bootloader), tee \(tcb.tee), snp \(tcb.snp), "
                        + "ucode \(tcb.microcode)\(tcb.fmc.map { ", fmc \($0)" } ?? ""))",
                    failed: "certificate SPLs differ from REPORTED_TCB: \(mismatches.joined(separator: "; "))",
                    remedy: "Fetch the \(wanted.rawValue.uppercased()) for this report's REPORTED_TCB from AMD KDS."
                )
            else { return invalid() }

            if wanted == .vcek {
                if report.maskChipKey {
                    recorder.pass("vcek.hwid", "CHIP_ID is masked (MASK_CHIP_KEY); hwID not compared")
                } else {
                    let hwID = key.hardwareID ?? []
                    let matches = !hwID.isEmpty && Array(report.chipID.prefix(hwID.count)) == hwID
                    guard
                        recorder.check(
                            "vcek.hwid",
                            matches,
                            passed: "VCEK hwID equals CHIP_ID",
                            failed:
                                "the VCEK's hwID does not equal the report's CHIP_ID: the VCEK belongs to another chip",
                            remedy: "Fetch the VCEK for this CHIP_ID from AMD KDS."
                        )
                    else { return invalid() }
                }
            }
            let claims = Self.claims(report, key: key, generation: generation)
            // Without the ARK's CRL nobody checked that the ASK/ASVK is not revoked: that collateral is missing
            // (``CollateralRequired`` refuses it unless `allow_missing_crl`). A supplied one was verified above.
            let hasCRL = collateral.crls.contains { $0.issuerCommonName == "ARK-\(generation.rawValue)" }
            let verified = VerifiedClaims(
                platform: .sevSNP,
                claims: claims,
                isDebug: report.debugAllowed,
                reportData: report.reportData,
                missingCollateral: hasCRL ? [] : [.crl],
                checks: recorder.checks,
                context: context
            )
            return VerificationReport(
                platform: .sevSNP,
                checks: recorder.checks,
                claims: verified,
                unverifiedClaims: claims
            )
        }

        /// The claims of a report.
        static func claims(_ report: Report, key: EndorsementKey?, generation: Generation?) -> [String: ClaimValue] {
            var claims: [String: ClaimValue] = [
                "version": .integer(UInt64(report.version)),
                "guest_svn": .integer(UInt64(report.guestSVN)),
                "policy": .integer(report.policy),
                "debug": .bool(report.debugAllowed),
                "smt_allowed": .bool(report.smtAllowed),
                "migrate_ma": .bool(report.migrateMA),
                "family_id": .bytes(report.familyID),
                "image_id": .bytes(report.imageID),
                "vmpl": .integer(UInt64(report.vmpl)),
                "current_tcb": .integer(report.currentTCBRaw),
                "platform_info": .integer(report.platformInfo),
                "author_key_en": .bool(report.authorKeyEnabled),
                "mask_chip_key": .bool(report.maskChipKey),
                "report_data": .bytes(report.reportData),
                "measurement": .bytes(report.measurement),
                "host_data": .bytes(report.hostData),
                "id_key_digest": .bytes(report.idKeyDigest),
                "author_key_digest": .bytes(report.authorKeyDigest),
                "report_id": .bytes(report.reportID),
                "report_id_ma": .bytes(report.reportIDMA),
                "reported_tcb": .integer(report.reportedTCBRaw),
                "committed_tcb": .integer(report.committedTCBRaw),
                "launch_tcb": .integer(report.launchTCBRaw),
                "chip_id": .bytes(report.chipID),
                "current_version": .string("\(report.currentMajor).\(report.currentMinor).\(report.currentBuild)"),
                "committed_version": .string(
                    "\(report.committedMajor).\(report.committedMinor).\(report.committedBuild)"
                ),
                "signing_key": .string(report.signingKey == 1 ? "vlek" : report.signingKey == 0 ? "vcek" : "none"),
            ]
            let turin = generation == .turin
            for (prefix, raw) in [
                ("reported_tcb", report.reportedTCBRaw), ("current_tcb", report.currentTCBRaw),
                ("committed_tcb", report.committedTCBRaw), ("launch_tcb", report.launchTCBRaw),
            ] {
                let tcb = TCBVersion(raw: raw, turin: turin)
                claims["\(prefix)_bootloader"] = .integer(UInt64(tcb.bootloader))
                claims["\(prefix)_tee"] = .integer(UInt64(tcb.tee))
                claims["\(prefix)_snp"] = .integer(UInt64(tcb.snp))
                claims["\(prefix)_microcode"] = .integer(UInt64(tcb.microcode))
                if let fmc = tcb.fmc { claims["\(prefix)_fmc"] = .integer(UInt64(fmc)) }
            }
            if report.hasCPUID {
                claims["cpuid_fam_id"] = .integer(UInt64(report.cpuidFamily))
                claims["cpuid_mod_id"] = .integer(UInt64(report.cpuidModel))
                claims["cpuid_step"] = .integer(UInt64(report.cpuidStepping))
            }
            if report.version >= 5 {
                claims["launch_mit_vector"] = .integer(report.launchMitigationVector)
                claims["current_mit_vector"] = .integer(report.currentMitigationVector)
            }
            if let generation { claims["product"] = .string(generation.rawValue) }
            if let key {
                if let name = key.productName { claims["product_name"] = .string(name) }
                if let csp = key.cspID { claims["csp_id"] = .string(csp) }
            }
            return claims
        }
    }
}

extension SEVSNP {
    /// Compares an endorsement key's SPL extensions with a report's REPORTED_TCB; returns the differences.
    public static func tcbMismatches(_ tcb: TCBVersion, key: EndorsementKey, turin: Bool) -> [String] {
        var mismatches: [String] = []
        func compare(_ name: String, _ certified: UInt8?, _ reported: UInt8) {
            guard let certified else {
                mismatches.append("\(name) missing from the certificate")
                return
            }
            if certified != reported { mismatches.append("\(name) \(certified) ≠ reported \(reported)") }
        }
        compare("blSPL", key.bootloaderSPL, tcb.bootloader)
        compare("teeSPL", key.teeSPL, tcb.tee)
        compare("snpSPL", key.snpSPL, tcb.snp)
        compare("ucodeSPL", key.microcodeSPL, tcb.microcode)
        if turin, let fmc = tcb.fmc { compare("fmcSPL", key.fmcSPL, fmc) }
        return mismatches
    }
}
