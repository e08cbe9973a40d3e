public import Foundation

/// Rejects debug-enabled TEEs unless `allowDebug` (a named relaxation) is set.
public struct DebugForbidden: AttestationPolicy {
    public let name = "policy.debug"
    public var remedy: String {
        "Launch the workload without debugging enabled, or pass --allow-debug for development only."
    }
    public init() {}
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        guard claims.isDebug else { return .meets }
        if claims.options.allowDebug { return .meets }
        return .fails(reason: "the TEE runs with debugging enabled, so the host can read its memory")
    }
}

/// Rejects the simulated TEE unless `allowSimulated` is set.
public struct SimulatedForbidden: AttestationPolicy {
    public let name = "policy.simulated"
    public var remedy: String { "Use a hardware TEE; the simulated TEE is for development only." }
    public init() {}
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        guard claims.platform == .simulated, !claims.options.allowSimulated else { return .meets }
        return .fails(reason: "the evidence comes from the simulated TEE, which proves nothing")
    }
}

/// Requires the collateral the verifier could not find (Intel TCB info / QE identity, Intel or AMD CRLs), unless a
/// relaxation covers it.
public struct CollateralRequired: AttestationPolicy {
    public let name = "policy.collateral"
    public var remedy: String {
        "Supply the TCB info, QE identity and CRLs (Intel PCS, AMD KDS /vcek/v1/<generation>/crl) with --collateral, "
            + "or relax with --skip-tcb-collateral / --allow-missing-crl."
    }
    public init() {}
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        var missing: [String] = []
        for item in claims.missingCollateral {
            switch item {
            case .tcbInfo where !claims.options.skipTCBCollateral: missing.append("TCB info / QE identity")
            case .crl where !claims.options.allowMissingCRL: missing.append("CRLs")
            default: break
            }
        }
        return missing.isEmpty ? .meets : .fails(reason: "collateral not supplied: \(missing.joined(separator: ", "))")
    }
}

/// Requires an Intel TCB status from an allowed set (when a status was determined).
public struct AllowedTCBStatuses: AttestationPolicy {
    public let name = "policy.tcb_status"
    public let allowed: Set<TCBStatus>
    public var remedy: String {
        "Update the platform's firmware/microcode (see the advisory IDs), or widen allowed_tcb_statuses deliberately."
    }
    public init(_ allowed: Set<TCBStatus>) { self.allowed = allowed }
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        guard let status = claims.tcbStatus else { return .meets }
        if allowed.contains(status) { return .meets }
        let advisories =
            claims.advisoryIDs.isEmpty ? "" : " (advisories: \(claims.advisoryIDs.joined(separator: ", ")))"
        if status == .notSupported {
            return .fails(
                reason: "no TCB level in the TCB info matches this platform: TCB level not supported\(advisories)"
            )
        }
        let list = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        return .fails(reason: "TCB status \(status.rawValue) is not one of \(list)\(advisories)")
    }
}

/// Requires the report data (or TPM extraData) to carry the expected nonce.
public struct NonceMatches: AttestationPolicy {
    public let name = "policy.nonce"
    public var remedy: String { "Request fresh evidence bound to this nonce; the evidence may be replayed." }
    public init() {}
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        guard let nonce = claims.expectedNonce else { return .meets }
        // An evidence bundle's verifier has checked that the report data hashes its binding inputs.
        if let bound = claims.claims["binding_nonce"]?.bytes {
            if bound == nonce { return .meets }
            return .fails(
                reason:
                    "the evidence binds the nonce \(ClaimValue.bytes(bound)), not the expected \(ClaimValue.bytes(nonce))"
            )
        }
        let data = claims.reportData
        let matches: Bool
        if [.tpm, .azureSEVSNPvTPM, .azureTDXvTPM].contains(claims.platform) {
            matches = data == nonce
        } else if nonce.count <= data.count {
            matches = Array(data.prefix(nonce.count)) == nonce && data.dropFirst(nonce.count).allSatisfy { $0 == 0 }
        } else {
            matches = false
        }
        if matches { return .meets }
        return .fails(
            reason: "the evidence binds \(ClaimValue.bytes(data)), not the expected nonce \(ClaimValue.bytes(nonce))"
        )
    }
}

/// Requires a claim to equal one of the allowed values (measurements, MRTD, RTMRs, PCRs, …).
public struct ReferenceValues: AttestationPolicy {
    public let claim: String
    public let allowed: [ClaimValue]
    public var name: String { "policy.reference.\(claim)" }
    public var remedy: String {
        "Add this value to the policy's reference values only if this build is an approved release."
    }
    public init(claim: String, allowed: [ClaimValue]) {
        self.claim = claim
        self.allowed = allowed
    }
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        guard let value = claims.claims[claim] else {
            return .fails(reason: "the evidence has no claim \(claim)")
        }
        if allowed.contains(value) { return .meets }
        return .fails(reason: "\(claim) \(value) is not among the \(allowed.count) allowed value(s)")
    }
}

/// Requires an integer claim to be at least a minimum (TCB components, SVNs).
public struct MinimumValue: AttestationPolicy {
    public let claim: String
    public let minimum: UInt64
    public var name: String { "policy.minimum.\(claim)" }
    public var remedy: String { "Update the platform firmware or the guest so that \(claim) reaches \(minimum)." }
    public init(claim: String, minimum: UInt64) {
        self.claim = claim
        self.minimum = minimum
    }
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        guard let value = claims.claims[claim]?.integer else {
            return .fails(reason: "the evidence has no integer claim \(claim)")
        }
        return value >= minimum ? .meets : .fails(reason: "\(claim) is \(value), below the minimum \(minimum)")
    }
}

/// Limits how old the evidence may be, given the time it was produced (a claim `evidence_time` in seconds
/// since 1970, or the nonce issue time the caller supplies).
public struct MaximumEvidenceAge: AttestationPolicy {
    public let name = "policy.evidence_age"
    public let maximum: TimeInterval
    public let producedAt: Date?
    public init(maximum: TimeInterval, producedAt: Date?) {
        self.maximum = maximum
        self.producedAt = producedAt
    }
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        let produced =
            producedAt ?? claims.claims["evidence_time"]?.integer.map { Date(timeIntervalSince1970: Double($0)) }
        guard let produced else {
            return .fails(reason: "the evidence carries no production time, so its age cannot be bounded; use a nonce")
        }
        let age = claims.time.timeIntervalSince(produced)
        return age <= maximum
            ? .meets : .fails(reason: "the evidence is \(Int(age)) s old, above the maximum \(Int(maximum)) s")
    }
}
