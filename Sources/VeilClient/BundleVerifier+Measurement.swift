import Foundation
import VeilAttestation
import VeilTransparency
import VeilWire
import _VeilBytes

/// Claims that a verification established about the node — from evidence verified here or from the annotated
/// evidence of a verified broker EAR — spelled as an EAR spells them: lowercase hex for bytes, decimal for
/// integers.
struct TrustedClaims {
    enum Source: String {
        case evidence = "evidence"
        case ear = "EAR"
    }

    let source: Source
    /// The platform name (`sev-snp`, `tdx`, `tpm`, `simulated` ...).
    let platform: String
    let claims: [String: String]
}

extension BundleVerifier {
    /// The claim names that pin a platform's *code*: a policy without reference values for one of them (for a TPM,
    /// any PCR) pins nothing about what runs.
    /// The claims of `platform` that `policy` pins with reference values and that pin code (``CodeRegisters``);
    /// empty when they do not pin it.
    static func pinnedCodeRegisters(_ policy: PolicyDocument, platform: AttestationPlatform) -> [String] {
        let references = policy.platforms?[platform.rawValue]?.referenceValues ?? [:]
        let pinned = Set(references.filter { !$0.value.isEmpty }.keys)
        guard CodeRegisters.arePinned(pinned, platform: platform) else { return [] }
        return CodeRegisters.codeClaims(pinned, platform: platform)
    }

    /// An EAR's annotated evidence as strings.
    static func claimStrings(json: [String: Any]) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in json {
            if let text = value as? String {
                out[name] = text
            } else if let flag = value as? Bool, type(of: value) == Bool.self {
                out[name] = flag ? "true" : "false"
            } else if let number = value as? Int {
                out[name] = String(number)
            } else if let number = value as? UInt64 {
                out[name] = String(number)
            } else if let number = value as? NSNumber {
                out[name] = number.stringValue
            }
        }
        return out
    }

    /// `policy.platform`: every verified claim set is from a platform this client accepts (``allowedPlatforms`` and,
    /// when the policy names platforms, only those — fail closed). Nil when nothing restricts platforms.
    func platformCheck(
        _ trusted: [TrustedClaims],
        policy: PolicyDocument,
        reported: AttestationPlatform?
    ) -> VerificationCheck? {
        var allowed = configuration.allowedPlatforms
        if let named = policy.platforms, !named.isEmpty {
            let listed = Set(named.keys.compactMap(AttestationPlatform.init(rawValue:)))
            allowed = allowed.map { $0.intersection(listed) } ?? listed
        }
        guard let allowed else { return nil }
        let platforms = Array(Set(trusted.map(\.platform))).sorted()
        let refused = platforms.filter { name in AttestationPlatform(rawValue: name).map(allowed.contains) != true }
        let names = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        return VerificationCheck(
            name: "policy.platform",
            passed: !platforms.isEmpty && refused.isEmpty,
            detail: platforms.isEmpty
                ? "nothing verified; the evidence reports platform \(reported?.rawValue ?? "unknown"), which is "
                    + "\(reported.map(allowed.contains) == true ? "" : "not ")among \(names)"
                : refused.isEmpty
                    ? "platform \(platforms.joined(separator: ", ")) is among \(names)"
                    : "platform \(refused.joined(separator: ", ")) is not among \(names)",
            remedy: "This client's policy does not accept that kind of TEE; do not send to this node.",
            kind: .policy
        )
    }

    /// The measurement requirement — what makes a node *approved*: with a pinned log, step `log.inclusion` (the
    /// stapled inclusion verifies and its release matches every verified claim set); without one, step
    /// `policy.measurement` (the policy pins each platform's code register, or `accept_any_measurement`).
    func measurementCheck(
        _ trusted: [TrustedClaims],
        bundle: AttestationBundle,
        at time: Date
    ) -> (VerificationCheck, LoggedRelease?, Date?) {
        if let transparency = configuration.transparency {
            return logInclusionCheck(transparency, trusted: trusted, bundle: bundle, at: time)
        }
        let policy = configuration.effectivePolicy
        var pins: [String] = []
        var unpinned: [String] = []
        for set in trusted {
            guard let platform = AttestationPlatform(rawValue: set.platform) else {
                unpinned.append("\(set.platform) (\(set.source.rawValue)) is not a known platform")
                continue
            }
            let pinned = Self.pinnedCodeRegisters(policy, platform: platform)
            if pinned.isEmpty {
                unpinned.append("the policy pins no \(platform.rawValue) \(CodeRegisters.requirement(platform))")
            } else {
                pins.append("\(platform.rawValue) \(pinned.joined(separator: ", ")) (\(set.source.rawValue))")
            }
        }
        let passed: Bool
        let detail: String
        if configuration.acceptsAnyMeasurement {
            passed = true
            detail =
                "accept_any_measurement: any code in a genuine TEE is accepted"
                + (pins.isEmpty ? "" : "; the policy pins \(pins.joined(separator: "; "))")
        } else if trusted.isEmpty {
            passed = false
            detail = "nothing verified whose measurements could be compared"
        } else {
            passed = unpinned.isEmpty
            detail =
                passed
                ? "the policy pins the code: \(pins.joined(separator: "; "))"
                : "no log key and no reference value pins the node's code: \(unpinned.joined(separator: "; "))"
        }
        let check = VerificationCheck(
            name: "policy.measurement",
            passed: passed,
            detail: detail,
            remedy: "Pin the log that lists approved releases (--log-key), or reference values for the platform's "
                + "code register (--policy); --accept-any-measurement accepts any code (development only).",
            kind: .policy
        )
        return (check, nil, nil)
    }

    func logInclusionCheck(
        _ transparency: TransparencyVerifier,
        trusted: [TrustedClaims],
        bundle: AttestationBundle,
        at time: Date
    ) -> (VerificationCheck, LoggedRelease?, Date?) {
        let remedy =
            "Only nodes running a release listed in the pinned log are approved: log the node's release "
            + "(veil release --log) and serve it with --release/--log; a forked, stale or foreign log is refused."
        func failed(_ detail: String) -> (VerificationCheck, LoggedRelease?, Date?) {
            (
                VerificationCheck(name: "log.inclusion", passed: false, detail: detail, remedy: remedy, kind: .policy),
                nil, nil
            )
        }
        guard let inclusion = bundle.logInclusion else {
            return failed("the bundle staples no log inclusion, and this client requires a logged release")
        }
        guard !trusted.isEmpty else { return failed("nothing verified whose measurements could be matched") }
        var matched: (VerifiedInclusion, LogEntry.Release)?
        for set in trusted {
            do {
                matched = try transparency.verifyRelease(
                    platform: set.platform,
                    claims: set.claims,
                    bundle: inclusion,
                    now: time
                )
            } catch {
                return failed("the \(set.source.rawValue)'s \(set.platform) measurements: \(error.description)")
            }
        }
        guard let (verified, entry) = matched else { return failed("nothing matched") }
        let platform = TEEMeasurement.Platform(rawValue: trusted[0].platform)
        let release = LoggedRelease(
            name: entry.name,
            version: entry.version,
            measurements: platform.map { entry.measurements(for: $0) }?.map { "\($0.register)=\($0.value)" } ?? [],
            origin: verified.checkpoint.checkpoint.origin,
            leafIndex: verified.leafIndex,
            treeSize: verified.checkpoint.checkpoint.treeSize,
            checkpointTime: verified.checkpoint.timestamp
        )
        let sources = trusted.map { "\($0.source.rawValue) \($0.platform)" }.joined(separator: ", ")
        let check = VerificationCheck(
            name: "log.inclusion",
            passed: true,
            detail: "release \(release.summary), checkpoint signed "
                + "\(release.checkpointTime.map(Self.format) ?? "?"); matches the \(sources) measurements "
                + release.measurements.map { String($0.prefix(24)) + "…" }.joined(separator: ", "),
            kind: .policy
        )
        return (check, release, verified.validUntil)
    }
}
