public import Foundation

extension TEEMeasurement.Platform {
    /// Whether registers listed for a platform pin its *code* (the same rule as `CodeRegisters` in
    /// VeilAttestation): SEV-SNP and SIMULATED `measurement`; TDX `mrtd` and `rtmr0`–`rtmr2` (MRTD alone measures only
    /// the shared virtual firmware); TPM a software PCR (4 or 8–23; Veil's node measures itself into PCR 23).
    func pinsCode(_ registers: Set<String>) -> Bool {
        switch self {
        case .sevSNP, .simulated: return registers.contains("measurement")
        case .tdx: return ["mrtd", "rtmr0", "rtmr1", "rtmr2"].allSatisfy(registers.contains)
        case .tpm:
            return registers.contains { register in
                guard register.hasPrefix("pcr"), let index = Int(register.dropFirst(3)) else { return false }
                return index == 4 || (8...23).contains(index)
            }
        }
    }

    /// What a release must list for the platform, in words.
    var codeRequirement: String {
        switch self {
        case .sevSNP, .simulated: return "measurement"
        case .tdx: return "mrtd, rtmr0, rtmr1 and rtmr2"
        case .tpm: return "a software PCR (pcr4, pcr8–pcr23)"
        }
    }
}

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
        guard logged.pinsCode(Set(listed.map(\.register))) else {
            throw TransparencyError(
                .notIncluded,
                "release \(name) \(version) does not list the \(platform) \(logged.codeRequirement), so it pins no code"
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
