public import Foundation
public import _VeilBytes

/// A rule of a release policy (the names the admin log and `veil kbs policy test` show).
public enum PolicyRule: String, Sendable, Hashable, CaseIterable, LogSafe {
    case status
    case platforms
    case referenceValues = "reference_values"
    case tcbStatuses = "tcb_statuses"
    case maxTokenAge = "max_token_age"
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

        let allowedPlatforms = platforms ?? Self.hardwarePlatforms
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
        }
        record(
            .status,
            allowedStatuses.contains(effectiveStatus),
            "status \(claims.status)" + (effectiveStatus != claims.status ? " (simulated, named by the policy)" : "")
                + (allowedStatuses.contains(effectiveStatus)
                    ? " is accepted" : " is not among \(allowedStatuses.joined(separator: ", "))")
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
        return PolicyDecision(outcomes: outcomes)
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
        PolicyDecision(
            outcomes: policies.flatMap {
                $0.policy.evaluate(claims, now: now, referenceSets: referenceSets, scope: $0.scope).outcomes
            }
        )
    }
}
