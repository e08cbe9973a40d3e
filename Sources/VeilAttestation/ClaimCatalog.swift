/// The claim names each platform verifier can establish. A policy (client or broker) that names a claim outside
/// this catalog for a platform is an error, never a silent pass: a typo such as `mr_td` would otherwise pin
/// nothing. The catalog is exact: a test checks that every claim the verifiers produce on the real vectors is listed
/// here, and names listed here are ones a verifier produces (some only on some evidence: `*_fmc` on Turin,
/// `*_mit_vector` in v5 reports, `csp_id` with a VLEK, `tee_tcb_svn2`/`mrservicetd` in TDX 1.5 quotes).
public enum ClaimCatalog {
    /// Claims that an evidence bundle adds to any platform's claims (binding inputs).
    static let bundleClaims: Set<String> = ["binding_nonce", "binding_init_data", "kbs_nonce"]

    static let sevSNP: Set<String> = {
        var names: Set<String> = [
            "version", "guest_svn", "policy", "family_id", "image_id", "vmpl", "current_tcb", "report_data",
            "platform_info", "author_key_en", "mask_chip_key", "measurement", "host_data", "id_key_digest",
            "author_key_digest", "report_id", "report_id_ma", "reported_tcb", "committed_tcb", "launch_tcb",
            "chip_id", "current_version", "committed_version", "signing_key", "cpuid_fam_id", "cpuid_mod_id",
            "cpuid_step", "launch_mit_vector", "current_mit_vector", "product", "product_name", "csp_id", "debug",
            "migrate_ma", "smt_allowed",
        ]
        for prefix in ["reported_tcb", "current_tcb", "committed_tcb", "launch_tcb"] {
            for part in ["bootloader", "tee", "snp", "microcode", "fmc"] { names.insert("\(prefix)_\(part)") }
        }
        return names
    }()

    static let tdx: Set<String> = [
        "quote_version", "tee_tcb_svn", "tee_tcb_svn2", "mrseam", "mrsignerseam", "seam_attributes", "td_attributes",
        "xfam", "mrtd", "mrconfigid", "mrowner", "mrownerconfig", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "mrservicetd",
        "fmspc", "pce_id", "pce_svn", "qe_isv_svn", "debug", "report_data",
    ]

    static let sgx: Set<String> = [
        "quote_version", "cpusvn", "miscselect", "attributes", "mrenclave", "mrsigner", "isvprodid", "isvsvn",
        "fmspc", "pce_id", "pce_svn", "qe_svn", "debug", "report_data",
    ]

    static let tpm: Set<String> = {
        var names: Set<String> = [
            "tpm_extra_data", "tpm_clock", "tpm_reset_count", "tpm_restart_count", "tpm_firmware_version",
            "tpm_pcr_digest", "tpm_pcr_bank", "tpm_ak_sha256", "tpm_event_log_events",
        ]
        for index in 0..<24 { names.insert("pcr\(index)") }
        return names
    }()

    static let azure: Set<String> = ["hcl_runtime_claims_digest", "hcl_user_data"]

    static let simulated: Set<String> = [
        "simulated", "measurement", "config_digest", "executable", "evidence_time", "simulated_root_key", "report_data",
    ]

    /// Whether `claim` is a claim the verifier of `platform` can establish.
    public static func isKnown(_ claim: String, platform: AttestationPlatform) -> Bool {
        if bundleClaims.contains(claim) || claim.hasPrefix("binding_public_key_") { return true }
        switch platform {
        case .sevSNP: return sevSNP.contains(claim)
        case .tdx: return tdx.contains(claim)
        case .sgx: return sgx.contains(claim)
        case .tpm: return tpm.contains(claim)
        case .azureSEVSNPvTPM:
            return sevSNP.contains(claim) || tpm.contains(claim) || azure.contains(claim)
                || claim.hasPrefix("vm_configuration.")
        case .azureTDXvTPM:
            return tdx.contains(claim) || tpm.contains(claim) || azure.contains(claim)
                || claim.hasPrefix("vm_configuration.")
        case .simulated: return simulated.contains(claim) || claim.hasPrefix("config.")
        }
    }
}

/// Which claims pin a platform's *code*: the one rule the client (`policy.measurement`), the broker (release rule
/// `measurement`) and ``PolicyDocument/pinsMeasurements(for:)`` apply. Pinning only `debug`, a TCB version or a
/// firmware register pins no code.
///
/// - SEV-SNP and SIMULATED: `measurement`.
/// - TDX: `mrtd` *and* `rtmr0`–`rtmr2` — MRTD measures only the virtual firmware (TDVF), shared by every guest
///   booted on it; the kernel, command line and initrd are in RTMR 0–2.
/// - SGX: `mrenclave` or `mrsigner`.
/// - TPM and Azure vTPM: a PCR that measures software the boot loader or the OS loads — PCR 4 or 8–23 (Veil's node
///   measures itself into PCR 23). Firmware and configuration PCRs (0–3, 5–7) pin no code, and Azure's SNP/TDX
///   report measures its paravisor, the same in every customer's VM.
public enum CodeRegisters {
    /// Whether claims named in `pinned` (each with at least one reference value) pin the code of `platform`.
    public static func arePinned(_ pinned: Set<String>, platform: AttestationPlatform) -> Bool {
        switch platform {
        case .sevSNP, .simulated: return pinned.contains("measurement")
        case .tdx: return ["mrtd", "rtmr0", "rtmr1", "rtmr2"].allSatisfy(pinned.contains)
        case .sgx: return pinned.contains("mrenclave") || pinned.contains("mrsigner")
        case .tpm, .azureSEVSNPvTPM, .azureTDXvTPM: return pinned.contains(where: isSoftwarePCR)
        }
    }

    /// The claims of `pinned` that count towards pinning `platform`'s code.
    public static func codeClaims(_ pinned: Set<String>, platform: AttestationPlatform) -> [String] {
        pinned.filter { claim in
            switch platform {
            case .sevSNP, .simulated: return claim == "measurement"
            case .tdx: return ["mrtd", "rtmr0", "rtmr1", "rtmr2"].contains(claim)
            case .sgx: return claim == "mrenclave" || claim == "mrsigner"
            case .tpm, .azureSEVSNPvTPM, .azureTDXvTPM: return isSoftwarePCR(claim)
            }
        }.sorted()
    }

    /// What a policy must pin for `platform`, in words.
    public static func requirement(_ platform: AttestationPlatform) -> String {
        switch platform {
        case .sevSNP, .simulated: return "measurement"
        case .tdx: return "mrtd, rtmr0, rtmr1 and rtmr2"
        case .sgx: return "mrenclave or mrsigner"
        case .tpm, .azureSEVSNPvTPM, .azureTDXvTPM: return "a software PCR (pcr4, pcr8–pcr23; Veil's node: pcr23)"
        }
    }

    /// PCR 4 (boot manager code) or 8–23 (OS, IMA, application); not the firmware and configuration PCRs.
    public static func isSoftwarePCR(_ claim: String) -> Bool {
        guard claim.hasPrefix("pcr"), let index = Int(claim.dropFirst(3)), String(index) == claim.dropFirst(3) else {
            return false
        }
        return index == 4 || (8...23).contains(index)
    }
}
