public import Foundation
public import VeilAttestation
public import VeilOHTTP
import VeilAzureVTPM
import VeilSEVSNP
import VeilSGX
import VeilSimulated
import VeilTDX
import VeilTPM
import _VeilBytes

/// A node whose attestation bundle passed verification. Only ``BundleVerifier`` constructs one.
public struct VerifiedBundle: Sendable {
    /// The node's id.
    public let nodeID: String
    /// The key configurations, bound to the verified evidence (or EAR).
    public let keyConfigs: [OHTTP.KeyConfig]
    /// The latest instant at which the bundle may be used: the earliest of `expires_at`, issue time plus the maximum
    /// age, and the EAR's `exp`.
    public let validUntil: Date
    /// Every step that passed.
    public let verification: BundleVerification

    /// Whether the bundle may still be used at `time`.
    public func isUsable(at time: Date) -> Bool { time < validUntil }
}

/// The steps of one bundle verification, in order, for people (`veil chat --verbose`, `veil demo`).
public struct BundleVerification: Sendable {
    /// Every check made, in order.
    public let steps: [VerificationCheck]
    /// The relaxations in force (named, never silent).
    public let relaxations: [String]
    /// The platform of the evidence, if known.
    public let platform: AttestationPlatform?
    /// When verification ran.
    public let time: Date

    /// Whether every step passed.
    public var passed: Bool { steps.allSatisfy(\.passed) }
    /// The first failed step.
    public var firstFailure: VerificationCheck? { steps.first { !$0.passed } }

    /// One line per step: `✓ name: detail`.
    public var lines: [String] {
        steps.map { "\($0.passed ? "✓" : "✗") \($0.name): \($0.detail)" }
            + (relaxations.isEmpty ? [] : ["! relaxations in force: \(relaxations.joined(separator: ", "))"])
    }
}

/// Verifies attestation bundles (docs/client.md): structure and freshness, the binding of `key_configs` to
/// `runtime_data` and of `runtime_data` to the evidence, the evidence through the platform verifiers and the
/// policy, and the broker's EAR through its JWKS.
public struct BundleVerifier: Sendable {
    /// Every platform verifier, for evidence bundles.
    public static let evidenceVerifier = EvidenceBundle.Verifier(verifiers: [
        SEVSNP.Verifier(), TDX.Verifier(), SGX.Verifier(), TPM.Verifier(), AzureVTPM.Verifier(),
        SimulatedTEE.Verifier(),
    ])

    /// Clock skew tolerated on `issued_at`.
    public static let clockSkew: TimeInterval = 300

    let configuration: VeilClient.Configuration

    /// A verifier for a client configuration.
    public init(configuration: VeilClient.Configuration) {
        self.configuration = configuration
    }

    /// Verifies a bundle at `time`; `jwks` is the broker's key set when configured. Throws
    /// ``VeilClientError/Code/verificationFailed`` carrying the first failed step; on success every step passed.
    public func verify(
        _ bundle: AttestationBundle,
        jwks: JWKS?,
        at time: Date
    ) throws(VeilClientError) -> VerifiedBundle {
        let (verification, configs, validUntil) = evaluate(bundle, jwks: jwks, at: time)
        guard verification.passed, let configs else {
            let failure = verification.firstFailure
            throw VeilClientError(
                .verificationFailed,
                "the node's attestation failed \(failure?.name ?? "verification"): \(failure?.detail ?? "")"
                    + (failure?.remedy.map { " \($0)" } ?? "")
            )
        }
        return VerifiedBundle(
            nodeID: bundle.nodeID,
            keyConfigs: configs,
            validUntil: validUntil,
            verification: verification
        )
    }

    /// Runs every check and reports them all (also when one fails).
    public func evaluate(
        _ bundle: AttestationBundle,
        jwks: JWKS?,
        at time: Date
    ) -> (BundleVerification, [OHTTP.KeyConfig]?, Date) {
        var steps: [VerificationCheck] = []
        func step(_ name: String, _ passed: Bool, _ detail: String, remedy: String? = nil) {
            steps.append(
                VerificationCheck(name: name, passed: passed, detail: detail, remedy: remedy, kind: .authenticity)
            )
        }
        let policy = configuration.effectivePolicy
        let maxAge = TimeInterval(configuration.maximumBundleAge.components.seconds)
        var validUntil = min(bundle.expiresAt, bundle.issuedAt.addingTimeInterval(maxAge))
        step(
            "bundle.freshness",
            bundle.issuedAt <= time.addingTimeInterval(Self.clockSkew) && time < validUntil,
            "issued \(Self.format(bundle.issuedAt)), usable until \(Self.format(validUntil)) (maximum age \(Int(maxAge)) s)",
            remedy: "Fetch a fresh bundle; check the clocks of client and node."
        )
        var configs: [OHTTP.KeyConfig]?
        do {
            configs = try OHTTP.KeyConfig.parseList(bundle.keyConfigs)
            let names = (configs ?? []).map { "\($0.keyID):\($0.kem == .xWing ? "X-Wing" : "X25519")" }
            step("bundle.key_configs", true, "key configurations \(names.joined(separator: ", "))")
        } catch {
            step("bundle.key_configs", false, "the key configuration list is malformed: \(error.detail)")
        }
        let runtimeObject = (try? JSONSerialization.jsonObject(with: Data(bundle.runtimeData))) as? [String: Any]
        let boundKeys = runtimeObject?["veil-ohttp-keys"] as? String
        step(
            "binding.runtime_data",
            boundKeys.map { ConstantTime.equals(Array($0.utf8), Array(bundle.keyConfigsText.utf8)) } ?? false,
            boundKeys == nil
                ? "runtime_data has no veil-ohttp-keys member"
                : "runtime_data's veil-ohttp-keys is \(boundKeys == bundle.keyConfigsText ? "" : "NOT ")exactly key_configs",
            remedy: "The bundle was altered or assembled from parts; do not send to this node."
        )
        var platform: AttestationPlatform?
        var evidenceVerified = false
        if configuration.verifyEvidence {
            let evidence = try? EvidenceBundle(json: bundle.evidenceJSON)
            if case .kbs(let bound, _)? = evidence?.binding {
                step(
                    "binding.evidence",
                    ConstantTime.equals(bound, bundle.runtimeData),
                    "the evidence's KBS binding is \(bound == bundle.runtimeData ? "" : "NOT ")over exactly runtime_data",
                    remedy: "The bundle was altered or assembled from parts; do not send to this node."
                )
            } else {
                step("binding.evidence", false, "the evidence carries no KBS binding over runtime_data")
            }
            let context = VerificationContext(time: time, options: policy.options, collateral: configuration.collateral)
            let report = Self.evidenceVerifier.verify(bundle.evidenceJSON, context: context)
            platform = report.platform
            let result: AttestationResult
            do {
                result = Appraiser.appraise(
                    report,
                    policies: try policy.policySet(for: report.platform),
                    context: context
                )
            } catch {
                result = Appraiser.appraise(report, policies: PolicySet([]), context: context)
                step("policy.document", false, "the policy document is not usable: \(error.reason)")
            }
            steps += result.checks
            step(
                "evidence.verdict",
                result.verdict == .accepted,
                "the evidence is \(result.verdict.rawValue)"
                    + (result.platform.map { " (\($0.rawValue))" } ?? ""),
                remedy: result.firstFailure?.remedy
            )
            evidenceVerified = result.verdict == .accepted
        }
        var earVerified = false
        if let token = bundle.ear, let jwks {
            let (earSteps, earPlatform, expiry) = verifyEAR(token, bundle: bundle, jwks: jwks, at: time)
            steps += earSteps
            earVerified = earSteps.allSatisfy(\.passed)
            platform = platform ?? earPlatform
            if let expiry { validUntil = min(validUntil, expiry) }
        } else if configuration.earRequired {
            step(
                "ear.present",
                false,
                bundle.ear == nil
                    ? "the bundle has no EAR token and this client requires one" : "no broker JWKS to verify the EAR",
                remedy: "Point the client at the broker's JWKS (--jwks), or use a node attested by the broker."
            )
        }
        step(
            "trust.anchor",
            evidenceVerified || earVerified,
            evidenceVerified && earVerified
                ? "the key configurations are bound to evidence verified here and to the broker's EAR"
                : evidenceVerified
                    ? "the key configurations are bound to evidence verified here"
                    : earVerified
                        ? "the key configurations are bound to the broker's EAR" : "nothing verified the node",
            remedy: "Enable evidence verification or configure the broker's JWKS."
        )
        if let allowed = configuration.allowedPlatforms {
            step(
                "policy.platform",
                platform.map(allowed.contains) ?? false,
                "platform \(platform?.rawValue ?? "unknown") is \(platform.map(allowed.contains) ?? false ? "" : "not ")among "
                    + allowed.map(\.rawValue).sorted().joined(separator: ", ")
            )
        }
        let verification = BundleVerification(
            steps: steps,
            relaxations: policy.options.relaxations,
            platform: platform,
            time: time
        )
        return (verification, configs, validUntil)
    }

    /// The EAR path: signature under the broker's JWKS, `exp`, `veil.runtime-data`.`veil-ohttp-keys` equal to
    /// `key_configs`, every submodule's status and verdict, and relaxations only those this client allows.
    func verifyEAR(
        _ token: String,
        bundle: AttestationBundle,
        jwks: JWKS,
        at time: Date
    ) -> ([VerificationCheck], AttestationPlatform?, Date?) {
        var steps: [VerificationCheck] = []
        func step(_ name: String, _ passed: Bool, _ detail: String, remedy: String? = nil) {
            steps.append(
                VerificationCheck(name: name, passed: passed, detail: detail, remedy: remedy, kind: .authenticity)
            )
        }
        let claims: [String: Any]
        do {
            claims = try JWT.verify(token, jwks: jwks)
            step("ear.signature", true, "the EAR is signed by the broker's key")
        } catch {
            step("ear.signature", false, "the EAR does not verify under the broker's JWKS: \(error.reason)")
            return (steps, nil, nil)
        }
        let expiry = JSONNumber.double(claims["exp"]).map { Date(timeIntervalSince1970: $0) }
        step(
            "ear.expiry",
            expiry.map { time < $0 } ?? false,
            expiry.map { "the EAR expires \(Self.format($0))" } ?? "the EAR has no exp claim",
            remedy: "Fetch a fresh bundle (the node re-attests)."
        )
        let runtime = claims["veil.runtime-data"] as? [String: Any]
        let bound = runtime?["veil-ohttp-keys"] as? String
        step(
            "ear.runtime_data",
            bound == bundle.keyConfigsText,
            bound == bundle.keyConfigsText
                ? "the EAR's veil.runtime-data carries exactly key_configs"
                : "the EAR's veil.runtime-data does not carry key_configs",
            remedy: "The bundle pairs an EAR with other keys; do not send to this node."
        )
        let submods = claims["submods"] as? [String: Any] ?? [:]
        let allowed = Set(configuration.effectivePolicy.options.relaxations)
        var platform: AttestationPlatform?
        var appraised = !submods.isEmpty
        var details: [String] = []
        for (name, value) in submods.sorted(by: { $0.key < $1.key }) {
            let submod = value as? [String: Any] ?? [:]
            let status = submod["ear.status"] as? String ?? "none"
            let verdict = submod["veil.verdict"] as? String ?? "none"
            let relaxations = submod["veil.relaxations"] as? [String] ?? []
            platform = platform ?? AttestationPlatform(rawValue: name)
            let statusOK = status == "affirming" || (status == "warning" && Set(relaxations).isSubset(of: allowed))
            let ok =
                statusOK && verdict == "accepted" && Set(relaxations).isSubset(of: allowed)
                && (name != AttestationPlatform.simulated.rawValue || allowed.contains("allow_simulated"))
            appraised = appraised && ok
            details.append(
                "\(name): \(status), \(verdict)"
                    + (relaxations.isEmpty ? "" : " with \(relaxations.joined(separator: ", "))")
            )
        }
        step(
            "ear.status",
            appraised,
            details.isEmpty ? "the EAR has no appraisal" : "broker appraisal " + details.joined(separator: "; "),
            remedy: "The broker's appraisal or its relaxations are not acceptable to this client's policy."
        )
        return (steps, platform, expiry)
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// Numbers from `JSONSerialization`, whichever type the platform's Foundation hands back.
enum JSONNumber {
    static func double(_ value: Any?) -> Double? {
        switch value {
        case let number as Double: return number
        case let number as Int: return Double(number)
        case let number as NSNumber: return number.doubleValue
        default: return nil
        }
    }
}
