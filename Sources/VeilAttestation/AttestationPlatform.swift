/// The kind of Trusted Execution Environment (or root of trust) that produced evidence.
public enum AttestationPlatform: String, Sendable, Hashable, Codable, CaseIterable {
    case sevSNP = "sev-snp"
    case tdx
    case sgx
    case tpm
    case azureSEVSNPvTPM = "azure-sev-snp-vtpm"
    case azureTDXvTPM = "azure-tdx-vtpm"
    /// A simulated TEE for development; every default policy rejects it.
    case simulated
}

/// An Intel PCS TCB status, or the outcome that no TCB level matched.
public enum TCBStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case upToDate = "UpToDate"
    case swHardeningNeeded = "SWHardeningNeeded"
    case configurationNeeded = "ConfigurationNeeded"
    case configurationAndSWHardeningNeeded = "ConfigurationAndSWHardeningNeeded"
    case outOfDate = "OutOfDate"
    case outOfDateConfigurationNeeded = "OutOfDateConfigurationNeeded"
    case revoked = "Revoked"
    case notSupported = "TCBLevelNotSupported"

    /// Severity for merging statuses: the worse one wins.
    public var severity: Int {
        switch self {
        case .upToDate: return 0
        case .swHardeningNeeded: return 1
        case .configurationNeeded: return 2
        case .configurationAndSWHardeningNeeded: return 3
        case .outOfDate: return 4
        case .outOfDateConfigurationNeeded: return 5
        case .revoked: return 6
        case .notSupported: return 7
        }
    }

    /// The worse of two statuses. Out-of-date combined with a configuration need becomes
    /// `OutOfDateConfigurationNeeded`, as Intel's QVL merges them.
    public func merged(with other: TCBStatus) -> TCBStatus {
        let pair = Set([self, other])
        if pair.contains(.outOfDate)
            && (pair.contains(.configurationNeeded) || pair.contains(.configurationAndSWHardeningNeeded))
        {
            return .outOfDateConfigurationNeeded
        }
        if pair == [.swHardeningNeeded, .configurationNeeded] { return .configurationAndSWHardeningNeeded }
        return severity >= other.severity ? self : other
    }
}

/// The named relaxations of the strict baseline. Each one used shows in the result.
public struct VerificationOptions: Sendable, Hashable, Codable {
    /// Accept evidence from a debug-enabled TEE.
    public var allowDebug: Bool
    /// Do not require Intel TCB info / QE identity collateral (the TCB status is then unknown).
    public var skipTCBCollateral: Bool
    /// Do not require the CRLs (Intel PCK CRL and root CA CRL, the AMD ARK CRL).
    public var allowMissingCRL: Bool
    /// Accept the simulated TEE.
    public var allowSimulated: Bool
    /// Accept evidence whose code measurement nobody pinned: no reference values for the platform's code
    /// register and no transparency-log release. The relying party (client, broker) enforces it; it is named
    /// here so that it shows in the result.
    public var acceptAnyMeasurement: Bool

    public init(
        allowDebug: Bool = false,
        skipTCBCollateral: Bool = false,
        allowMissingCRL: Bool = false,
        allowSimulated: Bool = false,
        acceptAnyMeasurement: Bool = false
    ) {
        self.allowDebug = allowDebug
        self.skipTCBCollateral = skipTCBCollateral
        self.allowMissingCRL = allowMissingCRL
        self.allowSimulated = allowSimulated
        self.acceptAnyMeasurement = acceptAnyMeasurement
    }

    enum CodingKeys: String, CodingKey {
        case allowDebug, skipTCBCollateral, allowMissingCRL, allowSimulated, acceptAnyMeasurement
    }

    /// Decodes options; a member missing from older encodings is `false` (no relaxation).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allowDebug = try container.decodeIfPresent(Bool.self, forKey: .allowDebug) ?? false
        skipTCBCollateral = try container.decodeIfPresent(Bool.self, forKey: .skipTCBCollateral) ?? false
        allowMissingCRL = try container.decodeIfPresent(Bool.self, forKey: .allowMissingCRL) ?? false
        allowSimulated = try container.decodeIfPresent(Bool.self, forKey: .allowSimulated) ?? false
        acceptAnyMeasurement = try container.decodeIfPresent(Bool.self, forKey: .acceptAnyMeasurement) ?? false
    }

    /// The strict baseline: no relaxation.
    public static let strict = VerificationOptions()

    /// The names of the relaxations in force, for the result.
    public var relaxations: [String] {
        var names: [String] = []
        if allowDebug { names.append("allow_debug") }
        if skipTCBCollateral { names.append("skip_tcb_collateral") }
        if allowMissingCRL { names.append("allow_missing_crl") }
        if allowSimulated { names.append("allow_simulated") }
        if acceptAnyMeasurement { names.append("accept_any_measurement") }
        return names
    }

    /// Combines two sets of options: a relaxation holds when either allows it.
    public func union(_ other: VerificationOptions) -> VerificationOptions {
        VerificationOptions(
            allowDebug: allowDebug || other.allowDebug,
            skipTCBCollateral: skipTCBCollateral || other.skipTCBCollateral,
            allowMissingCRL: allowMissingCRL || other.allowMissingCRL,
            allowSimulated: allowSimulated || other.allowSimulated,
            acceptAnyMeasurement: acceptAnyMeasurement || other.acceptAnyMeasurement
        )
    }
}
