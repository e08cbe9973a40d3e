public import Foundation
import VeilAttestation

extension LogEntry.Release {
    /// The measurements this release lists for `platform`.
    public func measurements(for platform: TEEMeasurement.Platform) -> [TEEMeasurement] {
        measurements.filter { $0.platform == platform }
    }

    /// Checks that verified evidence is an instance of this release: the release lists measurements for the
    /// evidence's platform (including the registers that pin code), and every one of them equals the evidence's
    /// claim of the same name.
    ///
    /// - Parameters:
    ///   - platform: the evidence's platform name (`sev-snp`, `tdx`, `tpm`, `simulated`); other platforms cannot
    ///     match a release.
    ///   - claims: the evidence's verified claims, claim name → lowercase hex (bytes) or decimal (integers), as
    ///     an EAR's `ear.veraison.annotated-evidence` spells them.
    /// - Returns: the measurements that matched.
    public func match(platform: String, claims: [String: String]) throws(TransparencyError) -> [TEEMeasurement] {
        guard let logged = TEEMeasurement.Platform(rawValue: platform) else {
            throw TransparencyError(
                .notIncluded,
                "platform \(platform) has no registers a release can list; pin reference values for it instead"
            )
        }
        let listed = measurements(for: logged)
        guard !listed.isEmpty else {
            throw TransparencyError(
                .notIncluded,
                "release \(name) \(version) lists no \(platform) measurements"
            )
        }
        // The same rule as a relying party's own pins (`CodeRegisters`): registers every guest shares pin no code.
        let attested = AttestationPlatform(rawValue: platform)
        guard let attested, CodeRegisters.arePinned(Set(listed.map(\.register)), platform: attested) else {
            throw TransparencyError(
                .notIncluded,
                "release \(name) \(version) does not list the \(platform) "
                    + (attested.map(CodeRegisters.requirement) ?? "code registers") + ", so it pins no code"
            )
        }
        for measurement in listed {
            let actual = claims[measurement.register]?.lowercased()
            guard actual == measurement.value else {
                throw TransparencyError(
                    .notIncluded,
                    "the evidence's \(measurement.register) is \(actual ?? "absent"), but release \(name) \(version) "
                        + "lists \(measurement.value)"
                )
            }
        }
        return listed
    }
}

extension TransparencyVerifier {
    /// Verifies that the stapled `bundle` includes, in a fresh checkpoint of a trusted log, a `release` entry whose
    /// measurements for `platform` all equal the evidence's verified `claims` (see
    /// ``LogEntry/Release/match(platform:claims:)``).
    public func verifyRelease(
        platform: String,
        claims: [String: String],
        bundle: InclusionBundle,
        now: Date
    ) throws(TransparencyError) -> (inclusion: VerifiedInclusion, release: LogEntry.Release) {
        let inclusion = try verifyInclusion(bundle: bundle, now: now)
        guard case .release(let release) = inclusion.entry else {
            throw TransparencyError(
                .notIncluded,
                "the stapled entry is a \(inclusion.entry.kind.rawValue), not a release"
            )
        }
        _ = try release.match(platform: platform, claims: claims)
        return (inclusion, release)
    }
}
