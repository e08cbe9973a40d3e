public import Foundation
import VeilAttestation

/// A release policy: the conditions an EAR must meet for a resource to be released. Set per resource and per
/// repository (tenant); both apply when both exist; without either the ``strictBaseline`` applies.
///
/// ```json
/// {"version": 1, "status": ["affirming"], "platforms": ["sev-snp", "tdx", "tpm"],
///  "reference_values": {"sev-snp": {"measurement": ["<hex>"]}}, "reference_value_sets": ["prod"],
///  "require_logged_release": true, "log_origins": ["log.example.com/veil"],
///  "tcb_statuses": ["UpToDate", "SWHardeningNeeded"], "max_token_age_seconds": 300}
/// ```
///
/// Fails closed: evidence for which no *measurement requirement* applies — no reference values for its platform
/// (own or from a named set), no `require_logged_release`, no `accept_any_measurement` — is denied (rule
/// `measurement`), so the strict baseline releases nothing until the owner pins code. `platforms` omitted but
/// `reference_values` given accepts only the platforms named there. An unknown claim name (per
/// `ClaimCatalog`) makes the policy invalid. `simulated` is accepted only when `platforms` names it.
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
    /// The named, logged relaxation: no measurement requirement (any code in an accepted TEE gets the resource).
    public var acceptAnyMeasurement: Bool?
    /// The EAR must carry `veil.log-release`: the broker verified that the evidence's measurements are a release
    /// listed in a transparency log it trusts.
    public var requireLoggedRelease: Bool?
    /// With ``requireLoggedRelease``: the log origins accepted (default: every log the broker trusts).
    public var logOrigins: [String]?
    /// The attestation relaxations (`veil.relaxations` in the EAR: `allow_debug`, `skip_tcb_collateral`,
    /// `allow_missing_crl`) this resource accepts; default none. Accepting the status `warning` does not accept a
    /// relaxation by itself (rule `relaxations`); the SIMULATED TEE is admitted by naming `simulated` in `platforms`.
    public var allowedRelaxations: [String]?

    enum CodingKeys: String, CodingKey {
        case version, status, platforms
        case referenceValues = "reference_values"
        case referenceValueSets = "reference_value_sets"
        case tcbStatuses = "tcb_statuses"
        case maxTokenAgeSeconds = "max_token_age_seconds"
        case acceptAnyMeasurement = "accept_any_measurement"
        case requireLoggedRelease = "require_logged_release"
        case logOrigins = "log_origins"
        case allowedRelaxations = "allowed_relaxations"
    }

    /// A policy; omitted members take the baseline's values.
    public init(
        status: [String]? = nil,
        platforms: [String]? = nil,
        referenceValues: [String: [String: [String]]]? = nil,
        referenceValueSets: [String]? = nil,
        tcbStatuses: [String]? = nil,
        maxTokenAgeSeconds: Double? = nil,
        acceptAnyMeasurement: Bool? = nil,
        requireLoggedRelease: Bool? = nil,
        logOrigins: [String]? = nil,
        allowedRelaxations: [String]? = nil
    ) {
        version = 1
        self.status = status
        self.platforms = platforms
        self.referenceValues = referenceValues
        self.referenceValueSets = referenceValueSets
        self.tcbStatuses = tcbStatuses
        self.maxTokenAgeSeconds = maxTokenAgeSeconds
        self.acceptAnyMeasurement = acceptAnyMeasurement
        self.requireLoggedRelease = requireLoggedRelease
        self.logOrigins = logOrigins
        self.allowedRelaxations = allowedRelaxations
    }

    /// The strict baseline: affirming status, hardware platforms only, TCB UpToDate or SWHardeningNeeded, tokens
    /// at most 300 s old — and no measurement requirement, so it denies every release (rule `measurement`) until
    /// a policy pins code.
    public static let strictBaseline = ReleasePolicy()

    /// The hardware platforms the baseline accepts.
    public static let hardwarePlatforms = ["sev-snp", "tdx", "sgx", "tpm", "azure-sev-snp-vtpm", "azure-tdx-vtpm"]
    static let knownPlatforms = Set(hardwarePlatforms + ["simulated"])
    static let knownStatuses: Set = ["affirming", "warning", "contraindicated", "none"]
    static let knownTCBStatuses: Set = [
        "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate",
        "OutOfDateConfigurationNeeded", "Revoked", "TCBLevelNotSupported",
    ]

    /// The attestation relaxations a policy may accept in ``allowedRelaxations``.
    static let knownRelaxations: Set = ["allow_debug", "skip_tcb_collateral", "allow_missing_crl"]

    /// Decodes and validates a policy document. A member the format does not have is an error, not ignored: a
    /// misspelt `require_logged_release` must not silently pin nothing.
    public static func decode(_ data: Data) throws(KeyBrokerError) -> ReleasePolicy {
        if let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            for key in object.keys.sorted() where CodingKeys(rawValue: key) == nil {
                throw KeyBrokerError(.invalidPolicy, "unknown member \(key) in the release policy")
            }
        }
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
        try Self.validateReferenceValues(referenceValues ?? [:], field: "reference_values")
        for name in referenceValueSets ?? [] {
            do { try ResourceID.validate(name) } catch {
                throw KeyBrokerError(.invalidPolicy, "reference_value_sets names an invalid set \(name)")
            }
        }
        if let origins = logOrigins {
            guard requireLoggedRelease == true else {
                throw KeyBrokerError(.invalidPolicy, "log_origins needs require_logged_release: true")
            }
            guard !origins.isEmpty, origins.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 256 }) else {
                throw KeyBrokerError(.invalidPolicy, "log_origins must name at least one log origin")
            }
        }
        for name in allowedRelaxations ?? [] where !Self.knownRelaxations.contains(name) {
            throw KeyBrokerError(
                .invalidPolicy,
                "allowed_relaxations names \(name); only allow_debug, skip_tcb_collateral and allow_missing_crl can be "
                    + "allowed (simulated is admitted by naming it in platforms)"
            )
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

    /// Checks that every platform and every claim named in reference values exists (`ClaimCatalog`): a typo such
    /// as `mr_td` would otherwise pin nothing and deny everything, or — worse — be read as a pin that holds.
    static func validateReferenceValues(
        _ values: [String: [String: [String]]],
        field: String
    ) throws(KeyBrokerError) {
        for (name, claims) in values {
            guard Self.knownPlatforms.contains(name), let platform = AttestationPlatform(rawValue: name) else {
                throw KeyBrokerError(.invalidPolicy, "unknown platform \(name) in \(field)")
            }
            guard !claims.isEmpty else {
                throw KeyBrokerError(.invalidPolicy, "\(field).\(name) names no claim: it would pin nothing")
            }
            for (claim, allowed) in claims {
                guard ClaimCatalog.isKnown(claim, platform: platform) else {
                    throw KeyBrokerError(
                        .invalidPolicy,
                        "\(field).\(name) names \(claim), which is not a \(name) claim (see docs/attestation.md)"
                    )
                }
                guard !allowed.isEmpty else {
                    throw KeyBrokerError(.invalidPolicy, "\(field).\(name).\(claim) lists no value")
                }
            }
        }
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
