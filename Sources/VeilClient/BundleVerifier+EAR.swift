import Foundation
import VeilAttestation
import VeilWire

/// What the EAR path established.
struct EAROutcome {
    /// The EAR steps, in order.
    var steps: [VerificationCheck]
    /// The platform of the first submodule.
    var platform: AttestationPlatform?
    /// The EAR's `exp`.
    var expiry: Date?
    /// The EAR's `iat`.
    var issuedAt: Date?
    /// Each submodule's annotated evidence, as claims the client's policy and log check apply to.
    var claimSets: [TrustedClaims]
    /// The EAR's `aud` (a string or an array of strings).
    var audience: [String]
    /// The EAR's `veil.tenant`.
    var tenant: String?

    /// Whether every EAR step passed.
    var verified: Bool { !steps.isEmpty && steps.allSatisfy(\.passed) }
}

extension BundleVerifier {
    /// The EAR path: signature under the broker's JWKS, `exp`, `veil.runtime-data`.`veil-ohttp-keys` equal to
    /// `key_configs`, every submodule's status and verdict, relaxations only those this client allows, and this
    /// client's reference values over each submodule's annotated evidence (a node trusted only through the EAR is
    /// still held to the client's pins).
    func verifyEAR(_ token: String, bundle: AttestationBundle, jwks: JWKS, at time: Date) -> EAROutcome {
        var outcome = EAROutcome(steps: [], claimSets: [], audience: [])
        func step(_ name: String, _ passed: Bool, _ detail: String, remedy: String? = nil) {
            outcome.steps.append(
                VerificationCheck(name: name, passed: passed, detail: detail, remedy: remedy, kind: .authenticity)
            )
        }
        let claims: [String: Any]
        do {
            claims = try JWT.verify(token, jwks: jwks)
            step("ear.signature", true, "the EAR is signed by the broker's key")
        } catch {
            step("ear.signature", false, "the EAR does not verify under the broker's JWKS: \(error.reason)")
            return outcome
        }
        let expiry = JSONNumber.double(claims["exp"]).map { Date(timeIntervalSince1970: $0) }
        outcome.expiry = expiry
        outcome.issuedAt = JSONNumber.double(claims["iat"]).map { Date(timeIntervalSince1970: $0) }
        step(
            "ear.expiry",
            expiry.map { time < $0 } ?? false,
            expiry.map { "the EAR expires \(Self.format($0))" } ?? "the EAR has no exp claim",
            remedy: "Fetch a fresh bundle (the node re-attests)."
        )
        if let audience = claims["aud"] as? String {
            outcome.audience = [audience]
        } else if let audience = claims["aud"] as? [Any] {
            outcome.audience = audience.compactMap { $0 as? String }
        }
        outcome.tenant = claims["veil.tenant"] as? String
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
        let allowed = Set(configuration.relaxations)
        var appraised = !submods.isEmpty
        var details: [String] = []
        for (name, value) in submods.sorted(by: { $0.key < $1.key }) {
            let submod = value as? [String: Any] ?? [:]
            let status = submod["ear.status"] as? String ?? "none"
            let verdict = submod["veil.verdict"] as? String ?? "none"
            let relaxations = submod["veil.relaxations"] as? [String] ?? []
            outcome.platform = outcome.platform ?? AttestationPlatform(rawValue: name)
            let statusOK = status == "affirming" || (status == "warning" && Set(relaxations).isSubset(of: allowed))
            let ok =
                statusOK && verdict == "accepted" && Set(relaxations).isSubset(of: allowed)
                && (name != AttestationPlatform.simulated.rawValue || allowed.contains("allow_simulated"))
            appraised = appraised && ok
            details.append(
                "\(name): \(status), \(verdict)"
                    + (relaxations.isEmpty ? "" : " with \(relaxations.joined(separator: ", "))")
            )
            let annotated = submod["ear.veraison.annotated-evidence"] as? [String: Any] ?? [:]
            outcome.claimSets.append(
                TrustedClaims(source: .ear, platform: name, claims: Self.claimStrings(json: annotated))
            )
        }
        step(
            "ear.status",
            appraised,
            details.isEmpty ? "the EAR has no appraisal" : "broker appraisal " + details.joined(separator: "; "),
            remedy: "The broker's appraisal or its relaxations are not acceptable to this client's policy."
        )
        let policy = configuration.effectivePolicy
        var failures: [String] = []
        var pinned: [String] = []
        for set in outcome.claimSets {
            let (misses, checked) = Self.referenceFailures(set, policy: policy)
            failures += misses.map { "\(set.platform): \($0)" }
            pinned += checked.map { "\(set.platform) \($0)" }
        }
        step(
            "ear.reference_values",
            failures.isEmpty,
            !failures.isEmpty
                ? "the EAR's annotated evidence does not meet this client's policy: " + failures.joined(separator: "; ")
                : pinned.isEmpty
                    ? "this client's policy has no reference values for the EAR's platform"
                    : "the EAR's annotated evidence meets this client's reference values (\(pinned.joined(separator: ", ")))",
            remedy: "The broker admitted code this client does not approve; do not send to this node."
        )
        return outcome
    }

    /// The client's reference values, minimums and exact values for a claim set's platform, applied to its
    /// string claims: what fails, and which claims were checked.
    static func referenceFailures(
        _ set: TrustedClaims,
        policy: PolicyDocument
    ) -> (failures: [String], checked: [String]) {
        guard let references = policy.platforms?[set.platform] else { return ([], []) }
        var failures: [String] = []
        var checked: [String] = []
        for (claim, values) in (references.referenceValues ?? [:]).sorted(by: { $0.key < $1.key }) {
            checked.append(claim)
            let actual = set.claims[claim]
            let allowed = Set(values.map { $0.lowercased() })
            if actual.map({ allowed.contains($0.lowercased()) }) != true {
                failures.append("\(claim) is \(actual ?? "absent"), not one of the allowed values")
            }
        }
        for (claim, minimum) in (references.minimums ?? [:]).sorted(by: { $0.key < $1.key }) {
            checked.append(claim)
            let actual = set.claims[claim].flatMap { UInt64($0) }
            if actual.map({ $0 >= minimum }) != true {
                failures.append("\(claim) is \(set.claims[claim] ?? "absent"), below the minimum \(minimum)")
            }
        }
        for (claim, value) in (references.exact ?? [:]).sorted(by: { $0.key < $1.key }) {
            checked.append(claim)
            if set.claims[claim] != String(value) {
                failures.append("\(claim) is \(set.claims[claim] ?? "absent"), not \(value)")
            }
        }
        return (failures, checked)
    }
}
