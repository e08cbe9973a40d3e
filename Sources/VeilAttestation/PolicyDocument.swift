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
    /// Accepted Intel TCB statuses; default UpToDate and SWHardeningNeeded.
    public var allowedTCBStatuses: [TCBStatus]?
    /// Expected report data (hex, zero-padded to 64 bytes when shorter).
    public var reportData: String?
    /// The maximum evidence age in seconds (needs an evidence production time).
    public var maxEvidenceAgeSeconds: Double?
    /// Per-platform reference values, keyed by platform name (`sev-snp`, `tdx`, `sgx`, `tpm`,
    /// `azure-sev-snp-vtpm`, `azure-tdx-vtpm`).
    public var platforms: [String: PlatformReferences]?

    /// Reference values for one platform.
    public struct PlatformReferences: Sendable, Codable, Hashable {
        /// Allowed values per claim name (hex for byte claims, decimal strings for integers).
        public var referenceValues: [String: [String]]?
        /// Minimum values per integer claim (TCB components, SVNs).
        public var minimums: [String: UInt64]?
        /// Required exact integer values (for example `vmpl`: 0).
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
        case allowedTCBStatuses = "allowed_tcb_statuses"
        case reportData = "report_data"
        case maxEvidenceAgeSeconds = "max_evidence_age_seconds"
        case platforms
    }

    public init(version: Int = 1) {
        self.version = version
    }

    /// The strict baseline: every check, debug and simulated forbidden, TCB UpToDate or SWHardeningNeeded.
    public static let baseline = PolicyDocument()

    /// Decodes and validates a policy file.
    public static func decode(_ data: Data) throws(AttestationError) -> PolicyDocument {
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
            allowSimulated: allowSimulated ?? false
        )
    }

    /// The policies for a platform.
    public func policySet(for platform: AttestationPlatform? = nil) throws(AttestationError) -> PolicySet {
        var policies: [any AttestationPolicy] = [
            SimulatedForbidden(), DebugForbidden(), CollateralRequired(),
            AllowedTCBStatuses(Set(allowedTCBStatuses ?? [.upToDate, .swHardeningNeeded])),
            NonceMatches(),
        ]
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
