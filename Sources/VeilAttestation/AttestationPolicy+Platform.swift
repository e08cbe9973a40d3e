/// Accepts only the platforms a policy names: a policy that pins SEV-SNP measurements says nothing about TDX, TPM
/// or Azure evidence, so such evidence is refused rather than accepted unchecked.
public struct PlatformAllowed: AttestationPolicy {
    public let name = "policy.platform"
    /// The accepted platforms.
    public let allowed: Set<AttestationPlatform>
    public var remedy: String {
        "Add reference values for this platform to the policy's platforms if its nodes are approved."
    }
    public init(_ allowed: Set<AttestationPlatform>) { self.allowed = allowed }
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        if allowed.contains(claims.platform) { return .meets }
        let names = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        return .fails(reason: "the evidence comes from \(claims.platform.rawValue); the policy accepts only \(names)")
    }
}

/// SEV-SNP: the report must come from VMPL 0 (the most privileged level of the guest), or from the level the
/// policy names in `exact.vmpl`. A report requested from a less privileged level (VMPL 1–3) is not the guest's
/// firmware speaking: a component above it could have launched other code. Applies to `sev-snp` and to the SNP
/// report of `azure-sev-snp-vtpm`; other platforms meet it.
public struct SEVSNPVMPL: AttestationPolicy {
    public let name = "policy.sev_snp.vmpl"
    /// The required VMPL per platform (0 unless a policy says otherwise).
    public let required: [AttestationPlatform: UInt64]
    public var remedy: String {
        "Request the report from VMPL 0 (the guest's firmware or paravisor), or pin the expected level in exact.vmpl."
    }
    public init(required: [AttestationPlatform: UInt64] = [:]) { self.required = required }
    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        guard SEVSNPMinimumTCB.platforms.contains(claims.platform) else { return .meets }
        let expected = required[claims.platform] ?? 0
        guard let vmpl = claims.claims["vmpl"]?.integer else {
            return .fails(reason: "the evidence has no vmpl claim")
        }
        return vmpl == expected ? .meets : .fails(reason: "the report comes from VMPL \(vmpl), not VMPL \(expected)")
    }
}

/// SEV-SNP: REPORTED_TCB (the TCB the VCEK is derived from, hence what an attacker on older firmware could sign
/// for) must reach a per-generation minimum. The built-in minimums are AMD's published mitigation levels
/// (``SEVSNPTCBBaseline``); a policy replaces a component's minimum with its own `minimums.reported_tcb_<part>`.
/// Applies to `sev-snp` and the SNP report of `azure-sev-snp-vtpm`; other platforms meet it.
public struct SEVSNPMinimumTCB: AttestationPolicy {
    static let platforms: Set<AttestationPlatform> = [.sevSNP, .azureSEVSNPvTPM]
    public let name = "policy.sev_snp.tcb"
    /// Per platform, the policy's own minimums by component (`bootloader`, `tee`, `snp`, `microcode`, `fmc`).
    public let overrides: [AttestationPlatform: [String: UInt64]]
    public var remedy: String {
        "Update the host's SEV firmware and microcode (see the AMD security bulletin cited in the detail), or set the "
            + "policy's own minimums.reported_tcb_* deliberately."
    }
    public init(overrides: [AttestationPlatform: [String: UInt64]] = [:]) { self.overrides = overrides }

    public func appraise(_ claims: VerifiedClaims) -> PolicyEvaluation {
        guard Self.platforms.contains(claims.platform) else { return .meets }
        guard let product = claims.claims["product"].flatMap({ if case .string(let text) = $0 { text } else { nil } }),
            let baseline = SEVSNPTCBBaseline.minimum(
                product: product,
                family: claims.claims["cpuid_fam_id"]?.integer,
                model: claims.claims["cpuid_mod_id"]?.integer,
                stepping: claims.claims["cpuid_step"]?.integer
            )
        else {
            return .fails(reason: "the processor generation is unknown, so no minimum TCB applies: refused")
        }
        let own = overrides[claims.platform] ?? [:]
        var below: [String] = []
        for (part, builtIn) in baseline.components {
            let minimum = own[part] ?? builtIn
            guard minimum > 0 else { continue }
            guard let value = claims.claims["reported_tcb_\(part)"]?.integer else {
                below.append("reported_tcb_\(part) missing (minimum \(minimum))")
                continue
            }
            if value < minimum {
                let source = own[part] == nil ? baseline.source : "the policy"
                below.append("reported_tcb_\(part) \(value) < \(minimum) (\(source))")
            }
        }
        if below.isEmpty { return .meets }
        return .fails(reason: "\(baseline.label): REPORTED_TCB is below the minimum: \(below.joined(separator: "; "))")
    }
}

/// The built-in SEV-SNP minimum TCB per processor generation and silicon line: the SPL values AMD's security
/// bulletins publish as the mitigation level. The microcode SPL is the low byte of the microcode patch level, and
/// each silicon line (classic parts, the cache-stacked "X" parts at stepping 2, the Zen 4c parts) has its own
/// patch sequence, so the line is chosen from the report's signed CPUID fields (v3+ reports); a report without
/// them (v2) gets the generation's classic floor, the strictest. docs/attestation.md cites the bulletins.
public struct SEVSNPTCBBaseline: Sendable, Hashable {
    /// Which silicon line the floor is for.
    public let label: String
    /// The bulletin the values come from.
    public let source: String
    public let bootloader: UInt64
    public let tee: UInt64
    public let snp: UInt64
    public let microcode: UInt64

    /// The components in a fixed order, by claim suffix.
    public var components: [(String, UInt64)] {
        [("bootloader", bootloader), ("tee", tee), ("snp", snp), ("microcode", microcode)]
    }

    // AMD-SB-3019 (CVE-2024-56161, SEV-SNP microcode signature verification, February 2025): Milan is mitigated
    // from microcode 0x0A0011DB (SPL 0xDB = 219) with SNP firmware SPL 0x16 (22); Milan-X from 0x0A001244 (SPL 68).
    // Genoa from microcode 0x0A101154 (SPL 0x54 = 84) with SNP firmware SPL 0x17 (23); Genoa-X from 0x0A10124F
    // (SPL 79); Bergamo/Siena (Zen 4c) from 0x0AA00219 (SPL 25).
    // AMD-SB-3020 (CVE-2025-0033, RMP initialisation, October 2025): Turin is mitigated from SNP firmware SPL 0x04
    // with microcode 0x0B002150 (SPL 0x50 = 80).
    // No bulletin sets a boot loader or TEE floor: those minimums are 0 until one does.
    static let sb3019 = "AMD-SB-3019"
    static let milan = SEVSNPTCBBaseline(
        label: "Milan",
        source: sb3019,
        bootloader: 0,
        tee: 0,
        snp: 22,
        microcode: 219
    )
    static let milanX = SEVSNPTCBBaseline(
        label: "Milan-X",
        source: sb3019,
        bootloader: 0,
        tee: 0,
        snp: 22,
        microcode: 68
    )
    static let genoa = SEVSNPTCBBaseline(
        label: "Genoa",
        source: sb3019,
        bootloader: 0,
        tee: 0,
        snp: 23,
        microcode: 84
    )
    static let genoaX = SEVSNPTCBBaseline(
        label: "Genoa-X",
        source: sb3019,
        bootloader: 0,
        tee: 0,
        snp: 23,
        microcode: 79
    )
    static let bergamo = SEVSNPTCBBaseline(
        label: "Bergamo/Siena",
        source: sb3019,
        bootloader: 0,
        tee: 0,
        snp: 23,
        microcode: 25
    )
    static let turin = SEVSNPTCBBaseline(
        label: "Turin",
        source: "AMD-SB-3020",
        bootloader: 0,
        tee: 0,
        snp: 4,
        microcode: 80
    )

    /// The floor for a generation (`Milan`, `Genoa`, `Turin`, as the `product` claim names it) and, when the
    /// report carries them, its CPUID family, model and stepping; nil for an unknown generation.
    public static func minimum(product: String, family: UInt64?, model: UInt64?, stepping: UInt64?) -> Self? {
        switch product {
        case "Milan":
            return family == 0x19 && stepping == 2 ? milanX : milan
        case "Genoa":
            if family == 0x19, let model, (0xA0...0xAF).contains(model) { return bergamo }
            return family == 0x19 && stepping == 2 ? genoaX : genoa
        case "Turin":
            return turin
        default:
            return nil
        }
    }
}
