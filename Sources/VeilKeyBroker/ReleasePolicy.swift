public import Foundation

/// A release policy: the conditions an EAR must meet for a resource to be released. Set per resource and per
/// repository (tenant); both apply when both exist; without either the ``strictBaseline`` applies.
///
/// ```json
/// {"version": 1, "status": ["affirming"], "platforms": ["sev-snp", "tdx", "tpm"],
///  "reference_values": {"sev-snp": {"measurement": ["<hex>"]}}, "reference_value_sets": ["prod"],
///  "tcb_statuses": ["UpToDate", "SWHardeningNeeded"], "max_token_age_seconds": 300}
/// ```
///
/// Omitted members take the baseline's value. `simulated` is accepted only when `platforms` names it.
public struct ReleasePolicy: Sendable, Codable, Hashable {
    /// Format version; must be 1.
    public var version: Int
    /// Accepted `ear.status` values (default `affirming`).
    public var status: [String]?
    /// Accepted platforms (default: every hardware platform; never `simulated` unless named).
    public var platforms: [String]?
    /// Per platform, per claim of the annotated evidence: the allowed values (hex for bytes).
    public var referenceValues: [String: [String: [String]]]?
    /// Named sets of reference values stored in the broker (admin API), applied like ``referenceValues``.
    public var referenceValueSets: [String]?
    /// Accepted TCB statuses where the platform reports one (default UpToDate and SWHardeningNeeded).
    public var tcbStatuses: [String]?
    /// The oldest token accepted, in seconds since its `iat` (default 300).
    public var maxTokenAgeSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case version, status, platforms
        case referenceValues = "reference_values"
        case referenceValueSets = "reference_value_sets"
        case tcbStatuses = "tcb_statuses"
        case maxTokenAgeSeconds = "max_token_age_seconds"
    }

    /// A policy; omitted members take the baseline's values.
    public init(
        status: [String]? = nil,
        platforms: [String]? = nil,
        referenceValues: [String: [String: [String]]]? = nil,
        referenceValueSets: [String]? = nil,
        tcbStatuses: [String]? = nil,
        maxTokenAgeSeconds: Double? = nil
    ) {
        version = 1
        self.status = status
        self.platforms = platforms
        self.referenceValues = referenceValues
        self.referenceValueSets = referenceValueSets
        self.tcbStatuses = tcbStatuses
        self.maxTokenAgeSeconds = maxTokenAgeSeconds
    }

    /// The strict baseline: affirming status, hardware platforms only, TCB UpToDate or SWHardeningNeeded, tokens
    /// at most 300 s old.
    public static let strictBaseline = ReleasePolicy()

    /// The hardware platforms the baseline accepts.
    public static let hardwarePlatforms = ["sev-snp", "tdx", "sgx", "tpm", "azure-sev-snp-vtpm", "azure-tdx-vtpm"]
    static let knownPlatforms = Set(hardwarePlatforms + ["simulated"])
    static let knownStatuses: Set = ["affirming", "warning", "contraindicated", "none"]
    static let knownTCBStatuses: Set = [
        "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate",
        "OutOfDateConfigurationNeeded", "Revoked", "TCBLevelNotSupported",
    ]

    /// Decodes and validates a policy document.
    public static func decode(_ data: Data) throws(KeyBrokerError) -> ReleasePolicy {
        let policy: ReleasePolicy
        do {
            policy = try JSONDecoder().decode(ReleasePolicy.self, from: data)
        } catch {
            throw KeyBrokerError(.invalidPolicy, "the release policy is not valid JSON of the documented shape")
        }
        try policy.validate()
        return policy
    }

    /// Checks version, names and bounds.
    public func validate() throws(KeyBrokerError) {
        guard version == 1 else { throw KeyBrokerError(.invalidPolicy, "policy version must be 1") }
        for name in platforms ?? [] where !Self.knownPlatforms.contains(name) {
            throw KeyBrokerError(.invalidPolicy, "unknown platform \(name)")
        }
        for name in (referenceValues ?? [:]).keys where !Self.knownPlatforms.contains(name) {
            throw KeyBrokerError(.invalidPolicy, "unknown platform \(name) in reference_values")
        }
        for name in status ?? [] where !Self.knownStatuses.contains(name) {
            throw KeyBrokerError(.invalidPolicy, "unknown status \(name)")
        }
        for name in tcbStatuses ?? [] where !Self.knownTCBStatuses.contains(name) {
            throw KeyBrokerError(.invalidPolicy, "unknown TCB status \(name)")
        }
        if let age = maxTokenAgeSeconds, !(age > 0 && age <= 86_400) {
            throw KeyBrokerError(.invalidPolicy, "max_token_age_seconds must be in (0, 86400]")
        }
        if platforms?.isEmpty == true { throw KeyBrokerError(.invalidPolicy, "platforms must not be empty") }
    }

    /// The canonical JSON (sorted keys) as stored.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}

/// A named set of reference values: per platform, per claim, the allowed values.
public typealias ReferenceValueSet = [String: [String: [String]]]
