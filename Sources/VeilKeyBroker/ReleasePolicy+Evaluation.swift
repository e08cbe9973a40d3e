public import Foundation
import VeilAttestation
public import _VeilBytes

/// A rule of a release policy (the names the admin log and `veil kbs policy test` show).
public enum PolicyRule: String, Sendable, Hashable, CaseIterable, LogSafe {
    case status
    case platforms
    case referenceValues = "reference_values"
    case tcbStatuses = "tcb_statuses"
    case maxTokenAge = "max_token_age"
    /// Some measurement requirement applies to the evidence's platform (reference values, a logged release, or
    /// the named relaxation `accept_any_measurement`).
    case measurement
    /// `require_logged_release`: the EAR carries a verified `veil.log-release` (from an accepted log origin).
    case requireLoggedRelease = "require_logged_release"
    /// Every attestation relaxation in the EAR is one the policy allows (`allowed_relaxations`).
    case relaxations
}

/// A relaxation a policy decision relied on (shown in the decision, the admin log and the release's audit entry).
public enum PolicyRelaxation: String, Sendable, Hashable, CaseIterable, LogSafe {
    /// `accept_any_measurement`: released with no measurement requirement.
    case acceptAnyMeasurement = "accept_any_measurement"
    /// The SIMULATED TEE's `warning` status accepted because the policy names `simulated`.
    case simulated
}

/// One rule's outcome.
public struct PolicyRuleOutcome: Sendable, Hashable, Codable {
    /// The rule (``PolicyRule`` raw value), prefixed with the scope for combined decisions.
    public let rule: String
    /// Whether it held.
    public let passed: Bool
    /// Why.
    public let detail: String
}

/// A policy decision: every rule's outcome; denied when any failed.
public struct PolicyDecision: Sendable, Hashable {
    /// The outcomes in evaluation order.
    public let outcomes: [PolicyRuleOutcome]
    /// The relaxations the decision relied on (each scope's, without duplicates, in order).
    public let relaxations: [PolicyRelaxation]

    /// A decision.
    public init(outcomes: [PolicyRuleOutcome], relaxations: [PolicyRelaxation] = []) {
        self.outcomes = outcomes
        var seen: [PolicyRelaxation] = []
        for relaxation in relaxations where !seen.contains(relaxation) { seen.append(relaxation) }
        self.relaxations = seen
    }
    /// The first failed rule, if any.
    public var firstFailure: PolicyRuleOutcome? { outcomes.first { !$0.passed } }
    /// Whether every rule held.
    public var allowed: Bool { firstFailure == nil }
}

extension ReleasePolicy {
    /// Evaluates the policy over EAR claims at `now`, with the broker's named reference value sets.
    public func evaluate(
        _ claims: EARClaims,
        now: Date,
        referenceSets: [String: ReferenceValueSet] = [:],
        scope: String = ""
    ) -> PolicyDecision {
        let prefix = scope.isEmpty ? "" : scope + "."
        var outcomes: [PolicyRuleOutcome] = []
        func record(_ rule: PolicyRule, _ passed: Bool, _ detail: String) {
            outcomes.append(PolicyRuleOutcome(rule: prefix + rule.rawValue, passed: passed, detail: detail))
        }

        var relaxations: [PolicyRelaxation] = []
        let allowedPlatforms = impliedPlatforms
        record(
            .platforms,
            allowedPlatforms.contains(claims.platform),
            allowedPlatforms.contains(claims.platform)
                ? "platform \(claims.platform) is allowed"
                : "platform \(claims.platform) is not among \(allowedPlatforms.joined(separator: ", "))"
        )

        // The simulated TEE is verified with the `allow_simulated` relaxation, which makes its status `warning`;
        // a policy that names `simulated` accepts that one relaxation as if the status were affirming.
        let allowedStatuses = status ?? ["affirming"]
        var effectiveStatus = claims.status
        if claims.platform == "simulated", allowedPlatforms.contains("simulated"), claims.status == "warning",
            claims.verdict == "accepted", Set(claims.relaxations) == ["allow_simulated"]
        {
            effectiveStatus = "affirming"
            relaxations.append(.simulated)
        }
        record(
            .status,
            allowedStatuses.contains(effectiveStatus),
            "status \(claims.status)" + (effectiveStatus != claims.status ? " (simulated, named by the policy)" : "")
                + (allowedStatuses.contains(effectiveStatus)
                    ? " is accepted" : " is not among \(allowedStatuses.joined(separator: ", "))")
        )

        // A relaxation the broker's attestation policy applied (debug, missing collateral) is accepted only where this
        // policy names it, whatever statuses it accepts.
        let allowed = Set(allowedRelaxations ?? []).union(relaxations.contains(.simulated) ? ["allow_simulated"] : [])
        let unallowed = claims.relaxations.filter { !allowed.contains($0) }.sorted()
        record(
            .relaxations,
            unallowed.isEmpty,
            unallowed.isEmpty
                ? (claims.relaxations.isEmpty
                    ? "no attestation relaxation"
                    : "relaxations \(claims.relaxations.sorted().joined(separator: ", ")) are allowed by the policy")
                : "relaxations \(unallowed.joined(separator: ", ")) are not in allowed_relaxations"
        )

        var references: [(source: String, values: [String: [String]])] = []
        if let own = referenceValues?[claims.platform] { references.append(("policy", own)) }
        for name in referenceValueSets ?? [] {
            guard let set = referenceSets[name] else {
                record(.referenceValues, false, "reference value set \(name) does not exist")
                continue
            }
            if let values = set[claims.platform] { references.append(("set \(name)", values)) }
        }
        let pinning = references.filter { reference in
            AttestationPlatform(rawValue: claims.platform).map { platform in
                CodeRegisters.arePinned(Set(reference.values.filter { !$0.value.isEmpty }.keys), platform: platform)
            } ?? false
        }
        if !pinning.isEmpty {
            record(
                .measurement,
                true,
                "reference values for \(claims.platform)'s code from "
                    + pinning.map { $0.source }.joined(separator: ", ")
            )
        } else if requireLoggedRelease == true {
            record(.measurement, true, "the measurements must be a logged release (require_logged_release)")
        } else if acceptAnyMeasurement == true {
            relaxations.append(.acceptAnyMeasurement)
            record(
                .measurement,
                true,
                "RELAXED: accept_any_measurement — no measurement requirement for \(claims.platform)"
            )
        } else {
            record(
                .measurement,
                false,
                "no measurement requirement applies to \(claims.platform): pin its code register ("
                    + Self.codeRegisterNames(claims.platform) + ") in reference values, set "
                    + "require_logged_release, or name the relaxation accept_any_measurement"
            )
        }
        if requireLoggedRelease == true {
            if let release = claims.logRelease {
                let origins = logOrigins ?? []
                let accepted = origins.isEmpty || origins.contains(release.origin)
                record(
                    .requireLoggedRelease,
                    accepted,
                    accepted
                        ? "release \(release.name) \(release.version) is leaf \(release.leafIndex) of \(release.origin)"
                        : "release \(release.name) \(release.version) is logged in \(release.origin), not in "
                            + origins.joined(separator: ", ")
                )
            } else {
                record(
                    .requireLoggedRelease,
                    false,
                    claims.logReleaseError.map { "the log inclusion did not verify: \($0)" }
                        ?? "the token carries no verified log inclusion (veil.log-release)"
                )
            }
        }
        for (source, values) in references {
            for (claim, allowed) in values.sorted(by: { $0.key < $1.key }) {
                let actual = claims.evidenceClaims[claim]
                let ok = actual.map { value in allowed.contains { $0.lowercased() == value } } ?? false
                record(
                    .referenceValues,
                    ok,
                    ok
                        ? "\(claim) matches a reference value (\(source))"
                        : "\(claim) = \(actual ?? "(absent)") is not among the reference values (\(source))"
                )
            }
        }

        let allowedTCB = tcbStatuses ?? ["UpToDate", "SWHardeningNeeded"]
        if let tcb = claims.tcbStatus {
            record(
                .tcbStatuses,
                allowedTCB.contains(tcb),
                allowedTCB.contains(tcb) ? "TCB status \(tcb) is accepted" : "TCB status \(tcb) is not accepted"
            )
        }

        let maximum = maxTokenAgeSeconds ?? 300
        if let issued = claims.issuedAt {
            let age = now.timeIntervalSince(issued)
            record(
                .maxTokenAge,
                age <= maximum,
                age <= maximum
                    ? "the token is \(Int(age)) s old (at most \(Int(maximum)))"
                    : "the token is \(Int(age)) s old, above \(Int(maximum)) s"
            )
        } else {
            record(.maxTokenAge, false, "the token has no iat, so its age cannot be bounded")
        }
        return PolicyDecision(outcomes: outcomes, relaxations: relaxations)
    }

    static func codeRegisterNames(_ platform: String) -> String {
        AttestationPlatform(rawValue: platform).map(CodeRegisters.requirement) ?? "none known"
    }

    /// The platforms accepted: `platforms` when given; else those `reference_values` names; else every hardware
    /// platform.
    public var impliedPlatforms: [String] {
        if let platforms { return platforms }
        if let named = referenceValues?.keys, !named.isEmpty { return named.sorted() }
        return Self.hardwarePlatforms
    }
}

/// The policies that govern one resource.
public struct EffectivePolicy: Sendable {
    /// The repository's policy, if set.
    public let repository: ReleasePolicy?
    /// The resource's policy, if set.
    public let resource: ReleasePolicy?

    /// Both scopes.
    public init(repository: ReleasePolicy?, resource: ReleasePolicy?) {
        self.repository = repository
        self.resource = resource
    }

    /// Every policy that must hold: those set, or the strict baseline when none is.
    public var policies: [(scope: String, policy: ReleasePolicy)] {
        var list: [(String, ReleasePolicy)] = []
        if let repository { list.append(("repository", repository)) }
        if let resource { list.append(("resource", resource)) }
        return list.isEmpty ? [("baseline", .strictBaseline)] : list
    }

    /// Evaluates every applicable policy.
    public func evaluate(
        _ claims: EARClaims,
        now: Date,
        referenceSets: [String: ReferenceValueSet]
    ) -> PolicyDecision {
        let decisions = policies.map {
            $0.policy.evaluate(claims, now: now, referenceSets: referenceSets, scope: $0.scope)
        }
        return PolicyDecision(
            outcomes: decisions.flatMap(\.outcomes),
            relaxations: decisions.flatMap(\.relaxations)
        )
    }
}
