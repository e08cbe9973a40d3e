public import Foundation
public import VeilAttestation
public import VeilOHTTP
public import VeilWire
import VeilVerifiers
import _VeilBytes

/// A node whose attestation bundle passed verification. Only ``BundleVerifier`` constructs one.
public struct VerifiedBundle: Sendable {
    /// The node's id.
    public let nodeID: String
    /// The key configurations, bound to the verified evidence (or EAR).
    public let keyConfigs: [OHTTP.KeyConfig]
    /// The latest instant at which the bundle may be used: the earliest of `expires_at`, the maximum age (from the
    /// client's nonce, the EAR's `iat` or `issued_at`), the EAR's `exp` and the stapled log inclusion's validity.
    public let validUntil: Date
    /// Every step that passed.
    public let verification: BundleVerification

    /// The logged release the node's measurements matched, when the client pins a log.
    public var release: LoggedRelease? { verification.release }

    /// Whether the bundle may still be used at `time`.
    public func isUsable(at time: Date) -> Bool { time < validUntil }
}

/// The `release` entry of a trusted transparency log that a node's verified measurements matched.
public struct LoggedRelease: Sendable, Hashable {
    /// The release's name (`veil-node`).
    public let name: String
    /// The release's version.
    public let version: String
    /// The measurements the release lists for the node's platform (all equal to the node's verified claims).
    public let measurements: [String]
    /// The log's origin (its checkpoint's first line, pinned by the client's log key).
    public let origin: String
    /// The entry's index in the log.
    public let leafIndex: UInt64
    /// The size of the tree the stapled checkpoint commits to.
    public let treeSize: UInt64
    /// When the log signed the checkpoint.
    public let checkpointTime: Date?

    /// `veil-node 1.2.0 (leaf 4 of 9 in log.example/veil)`.
    public var summary: String { "\(name) \(version) (leaf \(leafIndex) of \(treeSize) in \(origin))" }
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
    /// The logged release the verified measurements matched (step `log.inclusion`), if the client pins a log.
    public let release: LoggedRelease?

    /// Whether every step passed.
    public var passed: Bool { steps.allSatisfy(\.passed) }
    /// The first failed step.
    public var firstFailure: VerificationCheck? { steps.first { !$0.passed } }
    /// The step with this name, if it ran.
    public func step(_ name: String) -> VerificationCheck? { steps.first { $0.name == name } }

    /// One line per step: `✓ name: detail`.
    public var lines: [String] {
        steps.map { "\($0.passed ? "✓" : "✗") \($0.name): \($0.detail)" }
            + (relaxations.isEmpty ? [] : ["! relaxations in force: \(relaxations.joined(separator: ", "))"])
    }
}

/// Verifies attestation bundles (docs/client.md): the binding of `key_configs` to `runtime_data` and of
/// `runtime_data` to the evidence, the evidence through the platform verifiers and the policy, the broker's EAR
/// through its JWKS (with the client's reference values and tenant applied to it), freshness (a nonce this client
/// chose, or the EAR), and the measurement requirement: a logged release (pinned log) or pinned reference values.
public struct BundleVerifier: Sendable {
    /// Every platform verifier, for evidence bundles.
    public static let evidenceVerifier = PlatformVerifiers.bundleVerifier

    /// Clock skew tolerated on `issued_at` and the EAR's `iat`.
    public static let clockSkew: TimeInterval = 300

    let configuration: VeilClient.Configuration

    /// A verifier for a client configuration.
    public init(configuration: VeilClient.Configuration) {
        self.configuration = configuration
    }

    /// Verifies a bundle at `time`; `jwks` is the broker's key set when configured, `nonce` the base64url nonce this
    /// client asked the node to attest over (`?nonce=`), if any. Throws ``VeilClientError/Code/verificationFailed``
    /// carrying the first failed step; on success every step passed.
    public func verify(
        _ bundle: AttestationBundle,
        jwks: JWKS?,
        at time: Date,
        nonce: String? = nil
    ) throws(VeilClientError) -> VerifiedBundle {
        let (verification, configs, validUntil) = evaluate(bundle, jwks: jwks, at: time, nonce: nonce)
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
        at time: Date,
        nonce: String? = nil
    ) -> (BundleVerification, [OHTTP.KeyConfig]?, Date) {
        var steps: [VerificationCheck] = []
        func step(_ name: String, _ passed: Bool, _ detail: String, remedy: String? = nil) {
            steps.append(
                VerificationCheck(name: name, passed: passed, detail: detail, remedy: remedy, kind: .authenticity)
            )
        }
        let policy = configuration.effectivePolicy
        let maxAge = TimeInterval(configuration.maximumBundleAge.components.seconds)
        // The unsigned issued_at / expires_at only ever shorten validity.
        var validUntil = min(bundle.expiresAt, bundle.issuedAt.addingTimeInterval(maxAge))
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
        var trusted: [TrustedClaims] = []
        var platform: AttestationPlatform?
        var evidenceVerified = false
        var evidenceNonce: String?
        if configuration.verifyEvidence {
            let evidence = try? EvidenceBundle(json: bundle.evidenceJSON)
            var bound = false
            if case .kbs(let data, _)? = evidence?.binding {
                bound = ConstantTime.equals(data, bundle.runtimeData)
                step(
                    "binding.evidence",
                    bound,
                    "the evidence's KBS binding is \(bound ? "" : "NOT ")over exactly runtime_data",
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
            evidenceVerified = result.verdict == .accepted && bound
            if evidenceVerified, let verifiedPlatform = result.platform {
                trusted.append(
                    TrustedClaims(
                        source: .evidence,
                        platform: verifiedPlatform.rawValue,
                        // ClaimValue's description spells claims as EAR annotated evidence does (lowercase hex, decimal).
                        claims: result.claims.mapValues(\.description)
                    )
                )
                if case .string(let text)? = result.claims["kbs_nonce"] { evidenceNonce = text }
            }
        }
        var earOutcome: EAROutcome?
        if let token = bundle.ear, let jwks {
            let outcome = verifyEAR(token, bundle: bundle, jwks: jwks, at: time)
            steps += outcome.steps
            earOutcome = outcome
            if outcome.verified { trusted += outcome.claimSets }
            platform = platform ?? outcome.platform
            if let expiry = outcome.expiry { validUntil = min(validUntil, expiry) }
            if let issued = outcome.issuedAt { validUntil = min(validUntil, issued.addingTimeInterval(maxAge)) }
        } else if configuration.earRequired {
            step(
                "ear.present",
                false,
                bundle.ear == nil
                    ? "the bundle has no EAR token and this client requires one" : "no broker JWKS to verify the EAR",
                remedy: "Point the client at the broker's JWKS (--jwks), or use a node attested by the broker."
            )
        }
        let earVerified = earOutcome?.verified ?? false
        if let tenant = configuration.requiredTenant {
            steps.append(Self.tenantCheck(tenant, ear: earOutcome))
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
        let freshness = Self.freshness(
            bundle: bundle,
            time: time,
            maxAge: maxAge,
            nonce: nonce,
            evidenceVerified: evidenceVerified,
            evidenceNonce: evidenceNonce,
            ear: earOutcome,
            validUntil: &validUntil
        )
        steps.append(freshness)
        if let check = platformCheck(trusted, policy: policy, reported: platform) { steps.append(check) }
        let (measurement, release, inclusionValidUntil) = measurementCheck(trusted, bundle: bundle, at: time)
        steps.append(measurement)
        if let inclusionValidUntil { validUntil = min(validUntil, inclusionValidUntil) }
        let verification = BundleVerification(
            steps: steps,
            relaxations: configuration.relaxations,
            platform: platform,
            time: time,
            release: release
        )
        return (verification, configs, validUntil)
    }

    /// `bundle.freshness`: a broker-signed EAR (`iat` within the maximum age, `exp` ahead) or verified evidence whose
    /// runtime-data `nonce` is the one this client chose; the unsigned `issued_at` / `expires_at` only shorten it.
    static func freshness(
        bundle: AttestationBundle,
        time: Date,
        maxAge: TimeInterval,
        nonce: String?,
        evidenceVerified: Bool,
        evidenceNonce: String?,
        ear: EAROutcome?,
        validUntil: inout Date
    ) -> VerificationCheck {
        let nonceFresh =
            nonce.map { expected in
                evidenceVerified
                    && evidenceNonce.map { ConstantTime.equals(Array($0.utf8), Array(expected.utf8)) }
                        == true
            } ?? false
        let earIssued = ear?.verified == true ? ear?.issuedAt : nil
        let earFresh =
            earIssued.map { $0 <= time.addingTimeInterval(clockSkew) && time < $0.addingTimeInterval(maxAge) }
            ?? false
        if nonceFresh { validUntil = min(validUntil, time.addingTimeInterval(maxAge)) }
        let unsignedOK = bundle.issuedAt <= time.addingTimeInterval(clockSkew) && time < validUntil
        var reasons: [String] = []
        if nonceFresh, let nonce { reasons.append("the evidence is over this client's nonce \(nonce.prefix(8))…") }
        if earFresh, let earIssued { reasons.append("the broker's EAR was issued \(format(earIssued))") }
        let detail: String
        if reasons.isEmpty {
            var why: [String] = []
            if nonce == nil {
                why.append("this client asked for no nonce")
            } else if !evidenceVerified {
                why.append("the evidence over the nonce did not verify")
            } else {
                why.append(
                    "the evidence's nonce is \(evidenceNonce.map { "\($0.prefix(8))…" } ?? "absent"), not this client's"
                )
            }
            if bundle.ear == nil {
                why.append("the bundle has no EAR")
            } else if ear?.verified != true {
                why.append("its EAR was not verified")
            } else {
                why.append("the EAR was issued more than the maximum age ago")
            }
            detail =
                "nothing signed vouches for freshness (\(why.joined(separator: "; "))); the bundle's own issued_at "
                + "\(format(bundle.issuedAt)) is unsigned"
        } else if !unsignedOK {
            detail =
                "\(reasons.joined(separator: " and ")), but the bundle itself says it is usable only from "
                + "\(format(bundle.issuedAt)) until \(format(validUntil))"
        } else {
            detail = "\(reasons.joined(separator: " and ")); usable until \(format(validUntil))"
        }
        return VerificationCheck(
            name: "bundle.freshness",
            passed: (nonceFresh || earFresh) && unsignedOK,
            detail: detail,
            remedy: "Fetch the bundle with a fresh nonce (?nonce=) or through a broker's EAR; check the clocks.",
            kind: .authenticity
        )
    }

    /// `ear.tenant`: the broker's verified EAR names the tenant in `aud` (`tenant:<name>`), and its `veil.tenant`,
    /// when present, is that tenant.
    static func tenantCheck(_ tenant: String, ear: EAROutcome?) -> VerificationCheck {
        let passed: Bool
        let detail: String
        if let ear, ear.verified {
            let element = "tenant:\(tenant)"
            let inAudience = ear.audience.contains(element)
            let named = ear.tenant == nil || ear.tenant == tenant
            passed = inAudience && named
            detail =
                passed
                ? "the broker's EAR is for tenant \(tenant) (aud \(ear.audience.joined(separator: ", ")))"
                : "this client requires tenant \(tenant), but the EAR's aud is [\(ear.audience.joined(separator: ", "))]"
                    + (ear.tenant.map { " and its veil.tenant is \($0)" } ?? "")
        } else {
            passed = false
            detail = "this client requires tenant \(tenant), which only a verified broker EAR can vouch for"
        }
        return VerificationCheck(
            name: "ear.tenant",
            passed: passed,
            detail: detail,
            remedy: "The node was admitted by the broker for another tenant (or none); do not send to it.",
            kind: .authenticity
        )
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
