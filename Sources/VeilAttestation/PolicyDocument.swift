public import Foundation

/// The policy file: reference values per platform and the relaxations an operator chose, as JSON.
/// See docs/attestation.md ("Policy file") for the format. Without a file, ``baseline`` applies.
public struct PolicyDocument: Sendable, Codable, Hashable {
    /// Format version; must be 1.
    public var version: Int
    /// Relaxations (each shows in the result).
    public var allowDebug: Bool?
    public var allowSimulated: Bool?
    public var skipTCBCollateral: Bool?
    public var allowMissingCRL: Bool?
    /// Accept evidence whose code measurement nobody pinned (no reference values for the platform's code register
    /// and no log release): the named relaxation `accept_any_measurement`. The relying party enforces the
    /// requirement with ``pinsMeasurements(for:)``.
    public var acceptAnyMeasurement: Bool?
    /// Accepted Intel TCB statuses; default UpToDate and SWHardeningNeeded.
    public var allowedTCBStatuses: [TCBStatus]?
    /// Expected report data (hex, zero-padded to 64 bytes when shorter).
    public var reportData: String?
    /// The maximum evidence age in seconds (needs an evidence production time).
    public var maxEvidenceAgeSeconds: Double?
    /// Per-platform reference values, keyed by platform name (`sev-snp`, `tdx`, `sgx`, `tpm`,
    /// `azure-sev-snp-vtpm`, `azure-tdx-vtpm`, `simulated`). When present and non-empty, only the platforms named
    /// here are accepted (`policy.platform`).
    public var platforms: [String: PlatformReferences]?

    /// Reference values for one platform.
    public struct PlatformReferences: Sendable, Codable, Hashable {
        /// Allowed values per claim name (hex for byte claims, decimal strings for integers).
        public var referenceValues: [String: [String]]?
        /// Minimum values per integer claim (TCB components, SVNs). For SEV-SNP, `reported_tcb_<part>` replaces the
        /// built-in minimum of that component (``SEVSNPMinimumTCB``).
        public var minimums: [String: UInt64]?
        /// Required exact integer values (for example `vmpl`: 0, which SEV-SNP requires by default).
        public var exact: [String: UInt64]?

        public init(
            referenceValues: [String: [String]]? = nil,
            minimums: [String: UInt64]? = nil,
            exact: [String: UInt64]? = nil
        ) {
            self.referenceValues = referenceValues
            self.minimums = minimums
            self.exact = exact
        }

        enum CodingKeys: String, CodingKey {
            case referenceValues = "reference_values"
            case minimums
            case exact
        }
    }

    enum CodingKeys: String, CodingKey {
        case version
        case allowDebug = "allow_debug"
        case allowSimulated = "allow_simulated"
        case skipTCBCollateral = "skip_tcb_collateral"
        case allowMissingCRL = "allow_missing_crl"
        case acceptAnyMeasurement = "accept_any_measurement"
        case allowedTCBStatuses = "allowed_tcb_statuses"
        case reportData = "report_data"
        case maxEvidenceAgeSeconds = "max_evidence_age_seconds"
        case platforms
    }

    public init(version: Int = 1) {
        self.version = version
    }

    /// The strict baseline: every check, debug and simulated forbidden, TCB UpToDate or SWHardeningNeeded, every
    /// CRL required, SEV-SNP at VMPL 0 and at least the AMD bulletins' minimum TCB. It pins no measurement: a relying
    /// party that uses it alone must refuse unless a log release or `accept_any_measurement` says otherwise.
    public static let baseline = PolicyDocument()

    /// The members a policy file may have: an unknown (misspelt) member is an error, never silently ignored.
    static let members: Set<String> = [
        "version", "allow_debug", "allow_simulated", "skip_tcb_collateral", "allow_missing_crl",
        "accept_any_measurement", "allowed_tcb_statuses", "report_data", "max_evidence_age_seconds", "platforms",
    ]
    static let platformMembers: Set<String> = ["reference_values", "minimums", "exact"]

    /// Decodes and validates a policy file: known members only, version 1, known platforms and claim names.
    public static func decode(_ data: Data) throws(AttestationError) -> PolicyDocument {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AttestationError(.invalidPolicy, "the policy file is not a JSON object")
        }
        if let unknown = object.keys.filter({ !members.contains($0) }).sorted().first {
            throw AttestationError(.invalidPolicy, "unknown policy member \(unknown)")
        }
        for (platform, entry) in object["platforms"] as? [String: Any] ?? [:] {
            if let unknown = (entry as? [String: Any])?.keys.filter({ !platformMembers.contains($0) }).sorted().first {
                throw AttestationError(.invalidPolicy, "unknown member \(unknown) in the policy's \(platform) entry")
            }
        }
        let document: PolicyDocument
        do {
            document = try JSONDecoder().decode(PolicyDocument.self, from: data)
        } catch {
            throw AttestationError(.invalidPolicy, "the policy file is not valid: \(error)")
        }
        guard document.version == 1 else {
            throw AttestationError(.invalidPolicy, "policy version \(document.version) is not supported (expected 1)")
        }
        _ = try document.policySet()
        return document
    }

    /// The relaxations the document asks for.
    public var options: VerificationOptions {
        VerificationOptions(
            allowDebug: allowDebug ?? false,
            skipTCBCollateral: skipTCBCollateral ?? false,
            allowMissingCRL: allowMissingCRL ?? false,
            allowSimulated: allowSimulated ?? false,
            acceptAnyMeasurement: acceptAnyMeasurement ?? false
        )
    }

    /// The platforms the document names, when it names any: only those are accepted.
    public var namedPlatforms: Set<AttestationPlatform>? {
        guard let platforms, !platforms.isEmpty else { return nil }
        return Set(platforms.keys.compactMap(AttestationPlatform.init(rawValue:)))
    }

    /// Whether the document pins the code of `platform`: it has reference values for the platform's code
    /// register — `measurement` (sev-snp, simulated), `mrtd` (tdx), `mrenclave` or `mrsigner` (sgx), any `pcrN`
    /// (tpm), and for Azure the hardware measurement (`measurement` / `mrtd`) or any `pcrN`.
    public func pinsMeasurements(for platform: AttestationPlatform) -> Bool {
        let values = platforms?[platform.rawValue]?.referenceValues ?? [:]
        return CodeRegisters.arePinned(Set(values.filter { !$0.value.isEmpty }.keys), platform: platform)
    }

    /// Checks platform names and claim names: a name outside ``ClaimCatalog`` would pin nothing.
    func validate() throws(AttestationError) {
        for (key, references) in platforms ?? [:] {
            guard let named = AttestationPlatform(rawValue: key) else {
                throw AttestationError(.invalidPolicy, "unknown platform \(key) in the policy")
            }
            let claims =
                Array((references.referenceValues ?? [:]).keys) + Array((references.minimums ?? [:]).keys)
                + Array((references.exact ?? [:]).keys)
            if let unknown = claims.filter({ !ClaimCatalog.isKnown($0, platform: named) }).sorted().first {
                throw AttestationError(
                    .invalidPolicy,
                    "\(unknown) is not a claim of \(key) evidence: it would pin nothing (see docs/attestation.md)"
                )
            }
        }
    }

    /// The policies for a platform (all platforms when nil).
    public func policySet(for platform: AttestationPlatform? = nil) throws(AttestationError) -> PolicySet {
        try validate()
        var policies: [any AttestationPolicy] = [
            SimulatedForbidden(), DebugForbidden(), CollateralRequired(),
            AllowedTCBStatuses(Set(allowedTCBStatuses ?? [.upToDate, .swHardeningNeeded])),
            NonceMatches(),
        ]
        if let namedPlatforms { policies.append(PlatformAllowed(namedPlatforms)) }
        if platform.map({ SEVSNPMinimumTCB.platforms.contains($0) }) ?? true {
            var vmpl: [AttestationPlatform: UInt64] = [:]
            var overrides: [AttestationPlatform: [String: UInt64]] = [:]
            for snp in SEVSNPMinimumTCB.platforms {
                guard let references = platforms?[snp.rawValue] else { continue }
                vmpl[snp] = references.exact?["vmpl"]
                for (claim, minimum) in references.minimums ?? [:] where claim.hasPrefix("reported_tcb_") {
                    overrides[snp, default: [:]][String(claim.dropFirst("reported_tcb_".count))] = minimum
                }
            }
            policies.append(SEVSNPVMPL(required: vmpl))
            policies.append(SEVSNPMinimumTCB(overrides: overrides))
        }
        if let reportData {
            var bytes = try Self.hex(reportData, "report_data")
            if bytes.count < 64 { bytes += [UInt8](repeating: 0, count: 64 - bytes.count) }
            policies.append(ReferenceValues(claim: "report_data", allowed: [.bytes(bytes)]))
        }
        if let maxEvidenceAgeSeconds {
            policies.append(MaximumEvidenceAge(maximum: maxEvidenceAgeSeconds, producedAt: nil))
        }
        for (key, references) in (platforms ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let named = AttestationPlatform(rawValue: key) else {
                throw AttestationError(.invalidPolicy, "unknown platform \(key) in the policy")
            }
            guard platform == nil || platform == named else { continue }
            for (claim, values) in (references.referenceValues ?? [:]).sorted(by: { $0.key < $1.key }) {
                var allowed: [ClaimValue] = []
                for value in values {
                    if let number = UInt64(value), value.count < 16 {
                        allowed.append(.integer(number))
                    }
                    if let bytes = try? Self.hex(value, claim) { allowed.append(.bytes(bytes)) }
                    allowed.append(.string(value))
                }
                policies.append(ReferenceValues(claim: claim, allowed: allowed))
            }
            for (claim, minimum) in (references.minimums ?? [:]).sorted(by: { $0.key < $1.key }) {
                policies.append(MinimumValue(claim: claim, minimum: minimum))
            }
            for (claim, value) in (references.exact ?? [:]).sorted(by: { $0.key < $1.key }) {
                policies.append(ReferenceValues(claim: claim, allowed: [.integer(value)]))
            }
        }
        return PolicySet(policies)
    }

    private static func hex(_ text: String, _ field: String) throws(AttestationError) -> [UInt8] {
        let digits = Array(text.lowercased().utf8)
        guard digits.count % 2 == 0 else {
            throw AttestationError(.invalidPolicy, "\(field) is not hex: odd length")
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else {
                throw AttestationError(.invalidPolicy, "\(field) is not hex")
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
